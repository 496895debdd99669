"""Benchmarks: each ``bench_*.py`` module has a ``main()`` that prints figures and ratios against
a baseline measured in the same run. Run one with ``python -m benchmarks.bench_codesets`` or all
with ``python -m benchmarks``."""

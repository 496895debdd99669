"""The medcoder contract (protobuf), its generated stubs, the Python SDK and its typed errors.

Installable alone: nothing here imports ``server`` (tests/unit/test_import_boundaries.py). The
``medcoder`` command lives in ``server.cli``.
"""

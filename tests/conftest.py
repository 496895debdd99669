"""Shared fixtures. ``shared_data`` points at ../shared/data (training/eval inputs, never copied
into the project); tests that need it skip cleanly where it is absent."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _shared_data_dir() -> Path:
    return Path(os.environ.get("MEDCODER_SHARED_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    d = _shared_data_dir()
    if not d.is_dir():
        pytest.skip(f"shared data not found at {d}")
    return d


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory) -> Path:
    """One compiled-cache folder per test session, so tests exercise the build and the reload."""
    return tmp_path_factory.mktemp("medcoder-cache")


@pytest.fixture(scope="session")
def icd10cm(cache_dir):
    """The FY2026 ICD-10-CM code set, compiled once per test session into ``cache_dir``."""
    from rules_native.codesets import load_icd10cm

    return load_icd10cm(cache_dir=cache_dir)


@pytest.fixture(scope="session")
def icd10pcs(cache_dir):
    from rules_native.codesets import load_icd10pcs

    return load_icd10pcs(cache_dir=cache_dir)


def _hypothesis_profiles() -> None:
    """``ci`` (the default) keeps the parser property tests to a few seconds each; ``fuzz`` is for
    a long local run: ``MEDCODER_HYPOTHESIS_PROFILE=fuzz pytest tests/unit/test_parser_properties.py``."""
    from hypothesis import HealthCheck, settings

    quiet = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
    settings.register_profile("ci", max_examples=100, deadline=None, suppress_health_check=quiet,
                              database=None, derandomize=True)
    settings.register_profile("fuzz", max_examples=20_000, deadline=None, suppress_health_check=quiet)
    settings.load_profile(os.environ.get("MEDCODER_HYPOTHESIS_PROFILE", "ci"))


_hypothesis_profiles()

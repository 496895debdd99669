"""What a pipeline is built from: one frozen object instead of path / ``use_`` pairs.

Two coding profiles ship:
- ``us-claims`` (the default): the code set, the curated and Alphabetic-Index lexicons and the
  index-driven coding steps; nothing learned from CodiEsp's annotation habits, so every reported
  code has a span of the note behind it (ICD-10-CM Official Guidelines, FY2026).
- ``codiesp``: what reproduces the CodiEsp benchmark's annotation (mined terms, the document
  scorer, calibration and the fusion learned out of fold on CodiEsp train), for comparison with
  published systems.

``PipelineArtifacts.packaged("codiesp").without("scorer")`` is the CodiEsp pipeline without its
document scorer. An explicit path that does not exist raises at once (it is never quietly off).
"""
from __future__ import annotations

from dataclasses import dataclass, fields, replace
from importlib import resources
from pathlib import Path

from server.errors import InvalidInput

PROFILES = ("us-claims", "codiesp")
DEFAULT_PROFILE = "us-claims"
PACKAGED_FUSION = "packaged"   # the fusion file learned with the models the pipeline runs
_FILES = {"lexicon": "index_lexicon.tsv.gz", "scorer": "codiesp_scorer.npz", "mined": "codiesp_terms.tsv.gz",
          "calibration": "codiesp_calibration.tsv.gz"}


@dataclass(frozen=True)
class PipelineArtifacts:
    """Files the pipeline loads (None: that part is off) and the profile's switches."""

    profile: str = DEFAULT_PROFILE
    lexicon: Path | None = None        # the built Alphabetic-Index lexicon
    scorer: Path | None = None         # CodiEsp document scorer
    mined: Path | None = None          # terms mined from CodiEsp train
    calibration: Path | None = None    # per-code precision on CodiEsp train
    fusion: Path | str | None = None   # a fusion file, PACKAGED_FUSION, or None
    index_coding: bool = False         # walk the Alphabetic Index (status, history, subterms)

    def __post_init__(self) -> None:
        if self.profile not in PROFILES:
            raise InvalidInput(f"unknown coding profile; expected one of {', '.join(PROFILES)}")
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Path) and not value.is_file():
                raise InvalidInput(f"pipeline artifact '{f.name}': file not found")

    @classmethod
    def packaged(cls, profile: str = DEFAULT_PROFILE) -> "PipelineArtifacts":
        """The files this package ships for ``profile``."""
        if profile == "codiesp":
            return cls(profile, **{k: _packaged(v) for k, v in _FILES.items()}, fusion=PACKAGED_FUSION)
        if profile == "us-claims":
            return cls(profile, lexicon=_packaged(_FILES["lexicon"]), index_coding=True)
        return cls(profile)   # __post_init__ names the bad profile

    @classmethod
    def bare(cls, profile: str = DEFAULT_PROFILE) -> "PipelineArtifacts":
        """The code set's own terms and the curated lexicon only (tests, baselines)."""
        return cls(profile, index_coding=profile == "us-claims")

    def without(self, *names: str) -> "PipelineArtifacts":
        """The same artifacts with ``names`` off: ``.without("scorer", "fusion")``."""
        known = {f.name for f in fields(self)} - {"profile", "index_coding"}
        bad = [n for n in names if n not in known]
        if bad:
            raise InvalidInput(f"unknown pipeline artifact(s): {', '.join(bad)}")
        return replace(self, **{n: None for n in names})

    def with_files(self, **paths: Path) -> "PipelineArtifacts":
        """The same artifacts with some files replaced (offline tools' own builds)."""
        return replace(self, **{k: Path(v) for k, v in paths.items()})


def _packaged(name: str) -> Path | None:
    p = resources.files("server.pipeline").joinpath("data", name)
    return Path(str(p)) if p.is_file() else None


def packaged_file(name: str) -> Path | None:
    """A data file this package ships, or None."""
    return _packaged(name)

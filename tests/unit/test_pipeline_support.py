"""Pipelines shared by the pipeline test modules: building the lexicon takes seconds, so each
configuration is built once per test session (no tests here)."""
from __future__ import annotations

_BUILT: dict[tuple[int, int, str], object] = {}


def shared_pipeline(icd10cm, icd10pcs, kind: str = "codiesp"):
    """``codiesp``: the CodiEsp profile with every learned file; ``us-claims``: the default
    profile, as the server builds it; ``rules``: the CodiEsp profile with no statistics learned
    from CodiEsp (lexicon, ConText and guidelines only), so each rule shows on its own;
    ``unfused``: the CodiEsp profile without the fusion model."""
    from server.pipeline import Pipeline
    from server.pipeline.artifacts import PipelineArtifacts

    key = (id(icd10cm), id(icd10pcs), kind)
    if key not in _BUILT:
        codiesp = PipelineArtifacts.packaged("codiesp")
        art = {"rules": codiesp.without("scorer", "mined", "calibration", "fusion"),
               "unfused": codiesp.without("fusion"),   # hand-set noisy-OR confidences
               "us-claims": PipelineArtifacts.packaged("us-claims")}.get(kind, codiesp)
        _BUILT[key] = Pipeline(icd10cm, icd10pcs, artifacts=art)
    return _BUILT[key]

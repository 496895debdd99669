"""Pipelines shared by the pipeline test modules: building the lexicon takes seconds, so each
configuration is built once per test session (no tests here)."""
from __future__ import annotations

_BUILT: dict[tuple[int, int, str], object] = {}


def shared_pipeline(icd10cm, icd10pcs, kind: str = "shipped"):
    """``shipped``: Pipeline(icd10cm, icd10pcs) as the server builds it; ``rules``: no statistics
    learned from CodiEsp (lexicon, ConText and guidelines only), so each rule shows on its own;
    ``unfused``: shipped without the fusion model."""
    from server.pipeline import Pipeline

    key = (id(icd10cm), id(icd10pcs), kind)
    if key not in _BUILT:
        if kind == "rules":
            _BUILT[key] = Pipeline(icd10cm, icd10pcs, use_scorer=False, use_calibration=False)
        elif kind == "unfused":   # the learned files without the fusion: hand-set noisy-OR confidences
            _BUILT[key] = Pipeline(icd10cm, icd10pcs, use_fusion=False)
        else:
            _BUILT[key] = Pipeline(icd10cm, icd10pcs)
    return _BUILT[key]

"""Baselines measured beside the pipeline in every accuracy report (docs/accuracy.md)."""
from __future__ import annotations

import time
from typing import Iterator

from server.domain import CodedEncounter, CodeSuggestion, CodeSystem, Document, Span
from server.pipeline.entities import LexiconSource
from server.pipeline.lexicon import Lexicon
from server.pipeline.pipeline import Pipeline, analyse_sentences
from server.pipeline.artifacts import PipelineArtifacts
from server.pipeline.sections import SectionRules


class ExactLexiconBaseline:
    """Exact matches of ICD-10-CM descriptions and inclusion terms, billable codes only: no
    abbreviations, no index, no ConText, no refinement, no guidelines, no classifier."""

    versions = {"lexicon": "icd10cm-tabular-exact"}

    def __init__(self, icd10cm):
        self.cm = icd10cm
        self.lexicon = Lexicon()
        self.lexicon.add_codeset(icd10cm, CodeSystem.ICD10CM)
        self.source = LexiconSource(self.lexicon)
        self.sections = SectionRules.load()

    def code(self, doc: Document, *, min_score: float = 0.0) -> CodedEncounter:
        """Every billable code whose description appears verbatim (after normalisation)."""
        t = time.perf_counter()
        enc = CodedEncounter(doc_id=doc.doc_id, text=doc.text, setting=doc.setting)
        seen: dict[str, CodeSuggestion] = {}
        for m in self.source.find(doc.text, analyse_sentences(doc.text, doc.segments, self.sections)):
            for c in m.candidates:
                if self.cm.is_billable(c.code) and c.code not in seen:
                    seen[c.code] = CodeSuggestion(CodeSystem.ICD10CM, c.code, self.cm.description(c.code),
                                                  c.score, (Span(m.start, m.end),))
                    break
        enc.codes = list(seen.values())
        enc.stage_ms["entities"] = (time.perf_counter() - t) * 1000
        return enc


def configurations(icd10cm, icd10pcs, *, linker=None, note_model=None) -> Iterator[tuple[str, object]]:
    """(name, pipeline) for the accuracy table: exact lexicon, rules without the learned
    classifier, the learned files without the fusion model, the full pipeline, and the full
    pipeline with the models given (code linker, label-attention note model, both)."""
    yield "exact-match lexicon", ExactLexiconBaseline(icd10cm)
    codiesp = PipelineArtifacts.packaged("codiesp")
    yield "pipeline without classifier", Pipeline(icd10cm, icd10pcs, artifacts=codiesp.without("scorer", "mined"))
    yield "classifier without fusion", Pipeline(icd10cm, icd10pcs, artifacts=codiesp.without("fusion"))
    yield "full pipeline", Pipeline(icd10cm, icd10pcs, artifacts=codiesp)
    if linker is not None:
        yield "full pipeline + code linker", Pipeline(icd10cm, icd10pcs, artifacts=codiesp, linker=linker)
    if note_model is not None:
        yield "full pipeline + note model", Pipeline(icd10cm, icd10pcs, artifacts=codiesp, note_model=note_model)
    if linker is not None and note_model is not None:
        yield "full pipeline + both models", Pipeline(icd10cm, icd10pcs, artifacts=codiesp, linker=linker, note_model=note_model)

"""The coding pipeline: Document -> sections and sentences -> entities -> ConText -> codes ->
guidelines -> CodedEncounter (ranked codes with evidence, CDI queries, per-stage timings)."""
from __future__ import annotations

import json
import time
from dataclasses import replace
from functools import partial
from importlib import resources
from pathlib import Path
from typing import Sequence

from server.domain import (Assertion, CodedEncounter, CodeSuggestion, CodeSystem, Document, RuleNote,
                           Setting, Span)
from server.pipeline import guidelines as gl
from server.pipeline import lexicon_cache
from server.pipeline.calibration import Calibration
from server.pipeline.cdi import CdiRules
from server.pipeline.context import ContextRules, assert_span
from server.pipeline.entities import EntitySource, LexiconSource, Mention, Sentence
from server.pipeline.guidelines import Finding, GuidelineRules
from server.pipeline.lexicon import Lexicon
from server.pipeline.linking import LINK_WEIGHT, LinkerStage
from server.pipeline.mapping import CodeMapper
from server.pipeline.fusion import Fusion, FusionContext
from server.pipeline.scorer import TAIL_MIN, DocumentScorer, add_siblings, merge_scores
from server.pipeline.sections import SectionRules
from server.pipeline.sequencing import sequence
from server.pipeline.text import split_sentences, tokenize

DATA = resources.files("server.pipeline").joinpath("data")
DEFAULT_LEXICON = "index_lexicon.tsv.gz"
DEFAULT_SCORER = "codiesp_scorer.npz"
DEFAULT_MINED = "codiesp_terms.tsv.gz"
DEFAULT_CALIBRATION = "codiesp_calibration.tsv.gz"
DEFAULT_FUSION = "fusion.json"
DEFAULT_FUSION_LINKER = "fusion_linker.json"   # learned with the model stage's features
DEFAULT_THRESHOLD = 0.35
_WINDOW = 6
# A number refines a code only from the mention itself or right beside it: "stage 3a CKD",
# "CKD, stage 3a"; never the "2" of "type 2 diabetes ... chronic kidney disease".
_NEAR_LEFT, _NEAR_RIGHT = 1, 2
# A mention that says a code's whole tabular title (or inclusion term), asserted present, is
# reported at least this confident whatever the code's precision on train; one-word titles
# ("pain", "fever") are as vague as the note and keep their calibrated confidence.
EXACT_FLOOR = 0.8
# A code the guidelines take out of what is reported (integral symptom, Excludes1 loser, part of a
# combination, second code of an exclusive category) is still listed, never reported: its confidence
# is capped at SUPPRESSED_CAP x the operating threshold. CodiEsp's annotators often code it (fever
# with pneumonia: 1 in 4 integral symptoms out of fold), so it heads what is below the threshold,
# with the note that says why it is out.
SUPPRESSED_CAP = 0.99
_SOURCE_NOTES = {
    "curated": "matched a curated abbreviation or synonym",
    "description": "matched the code's tabular description",
    "inclusion": "matched an inclusion term of the code",
    "index": "matched an ICD-10-CM alphabetic index term",
    "mined": "matched a term learned from CodiEsp train",
    "model": "linked by the code-embedding model (low confidence: no lexicon term names it)",
}
_ASSERTION_FACTOR = {Assertion.PRESENT: 1.0, Assertion.POSSIBLE: 0.85, Assertion.HISTORICAL: 0.8,
                     Assertion.FAMILY: 0.8}


def fusion_files(linker: bool, note_model: bool) -> tuple[str, ...]:
    """Fusion files to try, best match first, for the models the pipeline runs."""
    if linker and note_model:
        return ("fusion_models.json", DEFAULT_FUSION_LINKER, DEFAULT_FUSION)
    if note_model:
        return ("fusion_heads.json", DEFAULT_FUSION)
    return (DEFAULT_FUSION_LINKER, DEFAULT_FUSION) if linker else (DEFAULT_FUSION,)


class Pipeline:
    """Built once at startup; ``code`` is then safe to call from many threads (no shared state
    is written after construction, except the mapper's description-token cache, a dict whose
    concurrent fills are idempotent)."""

    def __init__(self, icd10cm, icd10pcs=None, *, lexicon_path: Path | None = None,
                 scorer_path: Path | None = None, mined_path: Path | None = None,
                 calibration_path: Path | None = None, fusion_path: Path | None = None,
                 use_built_lexicon: bool = True, use_scorer: bool = True, use_calibration: bool = True,
                 use_fusion: bool = True,
                 extra_sources: Sequence[EntitySource] = (), cache_dir: Path | None = None,
                 linker=None, note_model=None):
        """``cache_dir``: where the compiled lexicons are kept between starts (the server passes
        ``config.cache_dir / "pipeline"``); None builds them in memory every time.
        ``linker``: the code-embedding model (``server.models.CodeLinker``: ``embed_mentions``,
        ``nearest_codes``, ``index``); given, phrases no lexicon term covers are linked to codes and
        suggested with low confidence, and every candidate gets its phrase similarity as a fusion
        feature (``server.pipeline.linking``).
        ``note_model``: the label-attention classifier on the same encoder
        (``server.models.NoteModel``: ``code_probs(text)``, ``labels``); its probabilities are a
        fusion feature."""
        self.cm = icd10cm
        self.pcs = icd10pcs
        self.sections = SectionRules.load()
        self.context = ContextRules.load()
        self.guidelines = GuidelineRules.load(icd10cm)
        self.cdi = CdiRules.load()
        self.mapper = CodeMapper(icd10cm, icd10pcs)
        built = _resolve(lexicon_path, DEFAULT_LEXICON) if use_built_lexicon else None
        mined = _resolve(mined_path, DEFAULT_MINED) if use_scorer else None
        self.lexicon_from_cache = False
        self.lexicon, table, n_index, n_mined = self._lexicons(built, mined, cache_dir)
        self.versions = {"lexicon": "icd10cm-tabular+curated-v1"}
        if built is not None:
            self.versions["lexicon"] += f"+index({n_index})"
        systems = frozenset({CodeSystem.ICD10CM} | ({CodeSystem.ICD10PCS} if icd10pcs is not None else set()))
        additional = partial(gl.referenced, icd10cm, kind="use_additional")
        self.sources: list[EntitySource] = [LexiconSource(self.lexicon, systems, additional), *extra_sources]
        cal = _resolve(calibration_path, DEFAULT_CALIBRATION) if use_calibration else None
        self.calibration = Calibration.load(cal) if cal is not None else None
        if table is not None:
            mined_source = LexiconSource(table, systems)
            mined_source.name = "mined"
            self.sources.append(mined_source)
            self.versions["mined_terms"] = f"codiesp-train({n_mined})"
        path = _resolve(scorer_path, DEFAULT_SCORER) if use_scorer else None
        self.scorer = DocumentScorer.load(path, icd10cm, icd10pcs) if path is not None else None
        self.versions["scorer"] = self.scorer.version if self.scorer else "none"
        self.linking = LinkerStage(linker) if linker is not None else None
        self.note_model = note_model
        if note_model is not None:
            self.versions["note_model"] = getattr(note_model, "version", "code_linker heads")
        fusion = None
        if use_fusion and self.scorer is not None:
            # the fusion learned with the same models' features; one learned without them weighs them 0
            for name in fusion_files(linker is not None, note_model is not None) if fusion_path is None else (None,):
                fusion = _resolve(fusion_path, name)
                if fusion is not None:
                    break
        self.fusion = Fusion.load(fusion) if fusion is not None else None
        self.fusion_context = FusionContext(self.calibration, self.scorer.train_counts if self.scorer else None)
        self.versions["fusion"] = self.fusion.name if self.fusion else "none"
        # The confidence from which a code is reported: learned with the fusion (the F1-best
        # threshold out of fold), else the hand-set noisy-OR's 0.35.
        self.operating_threshold = (self.fusion.threshold if self.fusion is not None and self.fusion.threshold
                                    else DEFAULT_THRESHOLD)
        if self.linking is not None:
            self.versions["linker"] = getattr(linker, "version", "code_linker")

    def _lexicons(self, built: Path | None, mined: Path | None, cache_dir: Path | None):
        """(lexicon, mined table or None, index terms, mined terms): from ``cache_dir`` when an
        entry for exactly these code sets, files and code is there, else built (and stored)."""
        key = None
        if cache_dir is not None:
            pcs_terms = _resolve(None, "pcs_terms.json") if self.pcs is not None else None
            files = (_resolve(None, "abbreviations.json"), built, mined, pcs_terms)
            key = lexicon_cache.cache_key((self.cm, self.pcs), files)
            hit = lexicon_cache.load(cache_dir, key) if key is not None else None
            if hit is not None:
                self.lexicon_from_cache = True
                return hit
        result = self._build_lexicons(built, mined)
        if key is not None:
            try:
                lexicon_cache.store(cache_dir, key, result)
            except OSError:
                pass  # a read-only or full cache dir costs the next start time, never this one
        return result

    def _build_lexicons(self, built: Path | None, mined: Path | None):
        cm, pcs = self.cm, self.pcs
        known = (lambda c: cm.id_of(c) >= 0 or _pcs_known(pcs, c))
        lexicon = Lexicon()
        lexicon.load_curated()
        lexicon.add_codeset(cm, CodeSystem.ICD10CM)
        n_index = lexicon.load_built(built, known) if built is not None else 0
        if pcs is not None:
            data = json.loads(DATA.joinpath("pcs_terms.json").read_text("utf-8"))
            lexicon.add_terms([(t, c) for t, c in data["terms"] if pcs.id_of(c) >= 0], CodeSystem.ICD10PCS, "curated")
        table, n_mined = None, 0
        if mined is not None:
            table = Lexicon()
            n_mined = table.load_mined(mined, known)
        return lexicon, table, n_index, n_mined

    def code(self, doc: Document, *, min_score: float = 0.0) -> CodedEncounter:
        """Code one document.

        "Assessment: NSTEMI. Hx of DM2 with CKD 3a." (inpatient) -> I21.4 principal, then
        E11.22 and N18.31, each with its evidence spans and the rules that shaped it.
        """
        enc = CodedEncounter(doc_id=doc.doc_id, text=doc.text, setting=doc.setting)
        ms = enc.stage_ms
        findings = self.candidates(doc, ms)
        t = time.perf_counter()
        if self.fusion is not None:
            self.fuse(findings)
            t = _lap(ms, "fusion", t)
        suppressed = self.apply_guidelines(findings)
        cut = self.operating_threshold
        # What the guidelines do not report stays in the ranked list, below the threshold.
        for c, f in suppressed.items():
            f.confidence = round(min(f.confidence, SUPPRESSED_CAP * cut), 4)
            findings[c] = f
        # Guideline order for what is reported; below the operating threshold, by confidence.
        reported = {c: f for c, f in findings.items() if f.confidence >= cut}
        rest = sorted((f for f in findings.values() if f.confidence < cut), key=lambda f: (-f.confidence, f.code))
        ordered = [f for f in sequence(reported, self.cm, self.guidelines.chronic) + rest if f.confidence >= min_score]
        enc.codes = [self._suggestion(i, f) for i, f in enumerate(ordered)]
        enc.cdi_queries = self.cdi.queries_for([f for f in ordered if f.code not in suppressed])
        _lap(ms, "guidelines", t)
        enc.model_versions = dict(self.versions)
        return enc

    def fuse(self, findings: dict[str, Finding]) -> None:
        """Each finding's confidence from the fusion model."""
        self.fusion.apply(findings, self.fusion_context)
        # The note says the code's whole title: as confident as without the fusion, however
        # rarely CodiEsp's annotators chose that code (it learned their habits: E11.22 is almost
        # never in their gold).
        for f in findings.values():
            if f.exact:
                f.confidence = max(f.confidence, EXACT_FLOOR)

    def apply_guidelines(self, findings: dict[str, Finding], trace=None) -> dict[str, Finding]:
        """Take out of ``findings`` (fused) what the guidelines do not report; returns it, each
        with its ``not_reported`` note. ``trace(step, before, findings)``, when given, sees the
        findings before and after each step (``export.guideline_cost`` counts what each removes)."""
        cut = self.operating_threshold
        suppressed: dict[str, Finding] = {}

        def past() -> None:   # past conditions are listed, never reported, and take no part below
            for c in [c for c, f in findings.items() if not f.reportable]:
                suppressed[c] = findings.pop(c)

        steps = (("past condition", past),
                 ("combination", lambda: gl.apply_combinations(findings, self.guidelines, suppressed)),
                 ("integral symptom", lambda: gl.drop_integral(findings, self.guidelines, suppressed, cut)),
                 ("Excludes1", lambda: gl.resolve_excludes1(findings, self.cm, suppressed)),
                 ("one per condition", lambda: gl.keep_one_per_group(findings, self.guidelines, suppressed, cut)))
        for name, step in steps:
            before = dict(findings) if trace is not None else None
            step()
            if trace is not None:
                trace(name, before, findings)
        return {c: f for c, f in suppressed.items() if c not in findings}

    def candidates(self, doc: Document, ms: dict[str, float] | None = None) -> dict[str, Finding]:
        """Every candidate code of a document with its evidence and per-source support, before
        fusion and the guidelines (what ``export.build_fusion`` learns from)."""
        ms = {} if ms is None else ms
        t = time.perf_counter()
        sentences = self._sentences(doc)
        t = _lap(ms, "sections", t)
        mentions: list[Mention] = []
        for src in self.sources:
            mentions.extend(src.find(doc.text, sentences))
        mentions = drop_nested_mined(mentions)
        t = _lap(ms, "entities", t)
        vectors = None
        if self.linking is not None:
            linked, vectors = self.linking.find(doc.text, sentences, mentions)
            mentions.extend(linked)
            t = _lap(ms, "model", t)
        scored = self.scorer.score(doc.text, sentences, min_prob=TAIL_MIN) if self.scorer is not None else None
        t = _lap(ms, "classifier", t)
        self._assert(mentions, sentences)
        t = _lap(ms, "context", t)
        findings = self._map(mentions, sentences, doc.setting)
        if scored is not None:
            merge_scores(findings, scored, mentions, doc.setting)
            add_siblings(findings, self.scorer.by_category)
        else:
            for f in findings.values():
                f.confidence = gl.combine(f)
        if vectors is not None:
            self.linking.similarity(findings, vectors)
        t = _lap(ms, "mapping", t)
        if self.note_model is not None:
            probs, labels = self.note_model.code_probs(doc.text), self.note_model.labels
            for f in findings.values():
                f.attention = probs.get(f.code, 0.0) if f.code in labels else None
            _lap(ms, "model", t)
        return findings

    def _sentences(self, doc: Document) -> list[Sentence]:
        return analyse_sentences(doc.text, doc.segments, self.sections)

    def _assert(self, mentions: list[Mention], sentences: list[Sentence]) -> None:
        triggers: dict[int, list] = {}
        for m in mentions:
            s = sentences[m.sentence]
            if m.sentence not in triggers:
                triggers[m.sentence] = self.context.triggers(s.words)
            a = assert_span(triggers[m.sentence], m.tok_start, m.tok_end, s.gaps)
            rule = self.sections.rules.get(s.section)
            m.section = s.section
            if rule is not None:
                m.section_weight, m.codable = rule.weight, rule.codable
                if a is Assertion.PRESENT and rule.assertion is not None:
                    a = rule.assertion
            m.assertion = a

    def _map(self, mentions: list[Mention], sentences: list[Sentence], setting: Setting) -> dict[str, Finding]:
        found: dict[str, Finding] = {}
        past: dict[str, Finding] = {}   # past conditions the guidelines code as history (or not at all)
        memo: dict[tuple, object] = {}  # repeated phrases in long notes map once
        for m in mentions:
            if not m.codable:
                continue
            s = sentences[m.sentence]
            if any(c.system is CodeSystem.ICD10PCS for c in m.candidates) and setting is not Setting.INPATIENT:
                continue
            words = s.words
            lo, hi = max(0, m.tok_start - _WINDOW), min(len(words), m.tok_end + _WINDOW)
            window = tuple(words[lo:hi])
            near = tuple(words[max(0, m.tok_start - _NEAR_LEFT):m.tok_end + _NEAR_RIGHT])
            key = (tuple(c.code for c in m.candidates), window, near)
            if key not in memo:
                memo[key] = self.mapper.map(m.candidates, window, near)
            mapped = memo[key]
            if mapped is None:
                continue
            conf = mapped.score * min(1.0, 0.75 + 0.25 * m.section_weight) * _ASSERTION_FACTOR.get(m.assertion, 1.0)
            if m.source == "model":
                conf *= LINK_WEIGHT
            elif self.calibration is not None and m.source != "mined":
                conf *= self.calibration.rate(mapped.system, mapped.code)
            exact = mapped.exact and m.assertion is Assertion.PRESENT and len(m.words) >= 2
            if exact:
                conf = max(conf, EXACT_FLOOR)
            notes = [RuleNote("match", _SOURCE_NOTES.get(mapped.source, "matched a lexicon term")), *mapped.notes]
            f = Finding(mapped.code, mapped.system, round(conf, 4), [Span(m.start, m.end, m.section)],
                        m.assertion, notes, {m.section}, list(mapped.defaults),
                        m.source if m.source in ("mined", "model") else "lexicon", exact=exact)
            before = f.copy() if f.assertion is Assertion.HISTORICAL and f.system is CodeSystem.ICD10CM else None
            f = gl.apply_assertion(f, self.guidelines, setting)
            if before is not None and (f is None or f.code != before.code):
                # CodiEsp's annotators often code a past condition as current: listed, never reported
                instead = f"{f.code} reported instead" if f is not None else "no history code"
                before.notes.append(RuleNote("not_reported", f"past condition: {instead}", f.code if f else ""))
                before.reportable = False
                if before.code in past:
                    past[before.code].merge(before)
                else:
                    past[before.code] = before
            if f is None:
                continue
            if f.code in found:
                found[f.code].merge(f)
            else:
                found[f.code] = f
        for c, f in past.items():
            found.setdefault(c, f)
        return found

    def _suggestion(self, i: int, f: Finding) -> CodeSuggestion:
        desc = self.cm.description(f.code) if f.system is CodeSystem.ICD10CM else (
            self.pcs.description(f.code) if self.pcs is not None else f.code)
        notes = tuple(dict.fromkeys(f.notes))
        return CodeSuggestion(system=f.system, code=f.code, description=desc,
                              confidence=round(min(f.confidence, 0.99), 4), evidence=tuple(f.evidence),
                              assertion=f.assertion, notes=notes, sequence=i + 1,
                              principal=(i == 0 and f.system is CodeSystem.ICD10CM),
                              suggestion_id="")   # the engine assigns it, with the encounter id


def analyse_sentences(text: str, segments, section_rules: SectionRules) -> list[Sentence]:
    """Sentences of a note with their tokens and section ("PMH: HTN. DM2." -> two sentences in
    past_medical_history). Section headers themselves are not part of any sentence."""
    out: list[Sentence] = []
    for sec in section_rules.split(text, segments):
        for a, b in split_sentences(text, sec.body_start, sec.end):
            toks = tokenize(text, a, b)
            if not toks:
                continue
            gaps = [False] * (len(toks) + 1)
            for i in range(1, len(toks)):
                gaps[i] = ";" in text[toks[i - 1].end:toks[i].start]
            out.append(Sentence(a, b, toks, sec.name, gaps))
    return out


def drop_nested_mined(mentions: list[Mention]) -> list[Mention]:
    """Mined terms that lie inside a longer lexicon term are not mentions of their own: the
    "kidney disease" (N28.9) or "systolic" (R01.1) of "chronic kidney disease" or "systolic heart
    failure" are read as the lexicon term says. One that names the same category ("atrial
    fibrillation" in "paroxysmal atrial fibrillation") still counts, as agreement with the
    lexicon term: it takes that term's span and candidates."""
    outer: dict[int, list[Mention]] = {}
    for m in mentions:
        if m.source != "mined":
            outer.setdefault(m.sentence, []).append(m)
    out: list[Mention] = []
    for m in mentions:
        host = None if m.source != "mined" else next(
            (o for o in outer.get(m.sentence, ()) if o.start <= m.start and m.end <= o.end
             and (o.start, o.end) != (m.start, m.end)), None)
        if host is None:
            out.append(m)
        elif {c.code[:3] for c in m.candidates} & {c.code[:3] for c in host.candidates}:
            score = m.candidates[0].score
            out.append(replace(host, candidates=[replace(c, score=score, source="mined", exact=False)
                                                 for c in host.candidates], source="mined"))
    return out


def _resolve(path: Path | None, default: str) -> Path | None:
    if path is not None:
        return Path(path) if Path(path).is_file() else None
    p = DATA.joinpath(default)
    return Path(str(p)) if p.is_file() else None


def _pcs_known(icd10pcs, code: str) -> bool:
    return icd10pcs is not None and icd10pcs.id_of(code) >= 0


def _lap(ms: dict[str, float], key: str, t: float) -> float:
    now = time.perf_counter()
    ms[key] = round(ms.get(key, 0.0) + (now - t) * 1000.0, 3)
    return now

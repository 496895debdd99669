"""The composition root: everything a request needs, built once from the Config.

Used by the gRPC servicer and, in-process, by the CLI (``medcoder code``), so both give the same
answers. Each call returns per-stage timings in ``CodedEncounter.stage_ms``. With
``config.linker``, the pipeline's model stage links phrases through the configured model backend
(``server.backends``: embedded ONNX Runtime or Triton, with fallback), warmed here before the
gateway reports SERVING.
"""
from __future__ import annotations

import logging
import threading
import time
import uuid
from dataclasses import dataclass

from server import budget
from server.config import Config
from server.domain import CodedEncounter, CodeSystem, Patient, Setting, SourceFormat
from server.errors import InvalidInput
from server.ingest import IngestLimits, ingest
from server.pipeline.artifacts import PROFILES
from server.review.component import NoReview, Review

log = logging.getLogger("medcoder.engine")


@dataclass(frozen=True)
class ScorePolicy:
    """Which codes a call lists and which the claim reports, in one place.

    ``operating_threshold``: codes at or above it are the ones a coder would report (the claim the
    edits judge); ``default_floor``: the configured ``default_min_score`` (None: the threshold).
    A call's ``min_score`` None lists from the default floor; 0 lists every candidate, those the
    guidelines took out included (each with its reason)."""

    operating_threshold: float
    default_floor: float | None = None

    def listed_from(self, min_score: float | None) -> float:
        if min_score is not None:
            return min_score
        return self.operating_threshold if self.default_floor is None else self.default_floor

    def reported(self, confidence: float) -> bool:
        return confidence >= self.operating_threshold


class Engine:
    def __init__(self, config: Config, *, with_review_log: bool = True, metrics=None):
        from rules_native.codesets import CodeSets

        t0 = time.perf_counter()
        self.config = config
        self.review: Review | NoReview = NoReview()   # -- review wiring: the component (server/review) --
        self.codesets = CodeSets.load(cache_dir=config.cache_dir / "codesets",
                                      hcpcs_path=config.hcpcs_path, cpt_path=config.cpt_path)
        self.backend, self.linker = _model_stage(config, metrics)
        try:
            self.note_model = _note_model(config)
            self.pipeline = self._build_pipeline(config.profile)
            self._pipelines = {config.profile: self.pipeline}
            self._pipelines_lock = threading.Lock()
        except BaseException:
            self.close()
            raise
        self.claims = _claim_engine(config, self.codesets)
        from server.claims.impact import PaymentTables
        self.payment = PaymentTables.load(config.drg_weights_path, config.hcc_map_path)
        if with_review_log:
            self.review = Review.open(config, self.codesets)
        self.limits = IngestLimits(config.max_document_bytes)
        self.load_s = time.perf_counter() - t0

    def _build_pipeline(self, profile: str):
        from server.pipeline import Pipeline
        from server.pipeline.artifacts import PipelineArtifacts

        return Pipeline(self.codesets.icd10cm, self.codesets.icd10pcs, artifacts=PipelineArtifacts.packaged(profile),
                        cache_dir=self.config.cache_dir / "pipeline", linker=self.linker, note_model=self.note_model)

    def pipeline_for(self, profile: str | None):
        """The pipeline of a coding profile ("" / None: the configured one); another profile's is
        built on its first request (seconds, once) and kept."""
        if not profile or profile == self.config.profile:
            return self.pipeline
        if profile not in PROFILES:
            raise InvalidInput(f"profile must be one of {', '.join(PROFILES)}")
        with self._pipelines_lock:
            if profile not in self._pipelines:
                t0 = time.perf_counter()
                self._pipelines[profile] = self._build_pipeline(profile)
                log.info("pipeline for profile %s built in %.1f s", profile, time.perf_counter() - t0)
            return self._pipelines[profile]

    def code(self, content: bytes, *, fmt: SourceFormat | None = None, doc_id: str = "",
             setting: Setting | None = None, patient: Patient | None = None,
             date_of_service: str | None = None, min_score: float | None = None, profile: str | None = None,
             systems: frozenset[CodeSystem] | None = None, encounter_id: str = "") -> tuple[CodedEncounter, str]:
        """Code one payload; returns the encounter and its server-assigned encounter id (or
        ``encounter_id``: the servicer derives it from the caller's request id, so a retried call
        gets the same id and suggestion ids, and is kept once).
        ``min_score``: the lowest confidence returned; None is the configured default (the
        operating threshold: what a coder would report), 0 is every candidate. The work stops at
        the call's deadline or CPU budget (``server.budget``)."""
        if min_score is not None and not 0 <= min_score <= 1:
            raise InvalidInput("min_score must be within 0..1")
        with budget.at_most(self.config.call_cpu_budget_s):
            return self._code(content, fmt=fmt, doc_id=doc_id, setting=setting, patient=patient,
                              date_of_service=date_of_service, min_score=min_score, profile=profile,
                              systems=systems, encounter_id=encounter_id)

    def _code(self, content: bytes, *, fmt, doc_id, setting, patient, date_of_service, min_score, profile,
              systems, encounter_id="") -> tuple[CodedEncounter, str]:
        pipeline = self.pipeline_for(profile)
        t0 = time.perf_counter()
        doc = ingest(content, fmt=fmt, doc_id=doc_id, setting=setting, patient=patient,
                     date_of_service=date_of_service, default_setting=self.config.default_setting,
                     limits=self.limits)
        t1 = time.perf_counter()
        budget.checkpoint()
        policy = ScorePolicy(pipeline.operating_threshold, self.config.default_min_score)
        enc = pipeline.code(doc, min_score=policy.listed_from(min_score))
        if systems:
            enc.codes = [c for c in enc.codes if c.system in systems]
        t2 = time.perf_counter()
        budget.checkpoint()
        # the edits judge the claim the coder would submit: the codes at or above the operating
        # threshold (a lower min_score lists more, and what the guidelines took out sits below it)
        dx = [c.code for c in sorted(enc.codes, key=lambda c: c.sequence or 10**6)
              if c.system is CodeSystem.ICD10CM and policy.reported(c.confidence)]
        if self.claims is not None and dx:
            enc.edits = list(self.claims.check_diagnoses(dx, doc.patient, doc.setting, doc.date_of_service))
        t3 = time.perf_counter()
        encounter_id = encounter_id or uuid.uuid4().hex
        assign_suggestion_ids(enc, encounter_id)
        enc.stage_ms = {"ingest": (t1 - t0) * 1e3, **enc.stage_ms, "rules": (t3 - t2) * 1e3,
                        "total": (t3 - t0) * 1e3}
        return enc, encounter_id

    def document_claim(self, claim, documents: list[dict]) -> "ClaimDocumentation":
        """The claim against its encounter's documents (each the keyword arguments of ``code``:
        content, fmt, doc_id, ...), coded by the us-claims pipeline in the claim's setting for its
        patient: per billed code a flag (``server.claims.documentation``) and the payment impact.
        Runs under the calling thread's budget (the servicer's ``CallBudget``; else the configured
        CPU budget), so a large chart stops at the caller's deadline like ``CodeEncounter``."""
        from server.claims.documentation import compare, suggestion_reported

        sent = {d.get("doc_id") for d in documents}
        unsent = [a for a in claim.attachments if a not in sent]
        if unsent:   # control numbers, not note text
            raise InvalidInput(f"the claim's PWK segment names attachment {', '.join(unsent[:5])}, which the request "
                               "does not carry: send it as a document whose id is the control number")
        with budget.at_most(self.config.call_cpu_budget_s):
            encounters = []
            for n, doc in enumerate(documents, start=1):
                day = doc.get("date_of_service") or (claim.service_date.isoformat() if claim.service_date else None)
                args = {**doc, "setting": claim.setting, "patient": _claim_patient(claim, doc.get("patient")),
                        "doc_id": doc.get("doc_id") or f"document-{n}", "date_of_service": day}
                try:
                    enc, _ = self._code(min_score=0.0, profile="us-claims", systems=None, **_with_defaults(args))
                except InvalidInput as e:   # which of the documents: the caller's id, never its text
                    raise InvalidInput(f"document {args['doc_id']}: {e.message}") from None
                encounters.append(enc)
                budget.checkpoint()
            policy = ScorePolicy(self.pipeline_for("us-claims").operating_threshold, self.config.default_min_score)
            reported = suggestion_reported(policy)
            flags, first = compare(claim.diagnoses, claim.procedures, encounters, self.codesets.icd10cm, reported)
            dx, pcs = _documented(encounters, reported)
            impact = self.payment.impact(claim, flags, dx, pcs)
        return ClaimDocumentation(tuple(flags), first, impact, {e.doc_id: e.stage_ms.get("total", 0.0)
                                                                for e in encounters})

    def warm(self, note: bytes) -> None:
        """Code ``note`` once (each stage's first run happens here, not in a request), then forget
        its phrases: a served phrase's vector never comes from the warm-up note's company, which
        the offline tools (evaluation, fusion training) never see. First runs may load and compile
        more than a call's CPU budget allows: no budget here."""
        with budget.CallBudget().running():
            self.code(note)
        if self.linker is not None:
            self.linker.encoder.clear_cache()

    @property
    def backend_name(self) -> str:
        """The model backend answering now ("embedded", "triton"), "none" without a model stage."""
        return self.backend.name if self.backend is not None else "none"

    def close(self) -> None:
        self.review.stop()
        if self.backend is not None:
            self.backend.close()
            self.backend = None


@dataclass(frozen=True)
class ClaimDocumentation:
    flags: tuple
    first_listed: object | None      # a DocFlag when the first-listed diagnosis is not the reason
    impact: object                   # server.claims.impact.PaymentImpact
    coding_ms: dict[str, float]      # per document id: its coding time


def _with_defaults(args: dict) -> dict:
    return {"fmt": None, "doc_id": "", "date_of_service": None, **args}


def _claim_patient(claim, given: Patient | None) -> Patient:
    """The claim's patient, what a document says filling what the claim leaves out."""
    given = given or Patient()
    return Patient(claim.patient.age_years if claim.patient.age_years is not None else given.age_years,
                   claim.patient.sex or given.sex)


def _documented(encounters, reported) -> tuple[list[str], list[str]]:
    """The documentation's reported ICD-10-CM codes (reason for the encounter first) and PCS codes."""
    dx: list[str] = []
    pcs: list[str] = []
    for enc in encounters:
        for c in sorted(enc.codes, key=lambda c: (not c.principal, c.sequence or 10**6)):
            if not reported(c):
                continue
            into = dx if c.system is CodeSystem.ICD10CM else pcs if c.system is CodeSystem.ICD10PCS else None
            if into is not None and c.code not in into:
                into.append(c.code)
    return dx, pcs


def assign_suggestion_ids(enc: CodedEncounter, encounter_id: str) -> None:
    """The one place suggestion ids are made: ``<encounter id>:<n>``, n from 1 in the order the
    codes are returned (what a review decision names; the pipeline leaves them empty)."""
    for n, c in enumerate(enc.codes, start=1):
        c.suggestion_id = f"{encounter_id}:{n}"


def _model_stage(config: Config, metrics):
    """(backend, code linker) for the pipeline's model stage, warm; (None, None) when it is off."""
    if not config.linker:
        return None, None
    from server.backends.stack import open_backend, open_linker

    t0 = time.perf_counter()
    backend = open_backend(config, metrics)
    try:
        linker = open_linker(config, backend, metrics)
        linker.warm()   # first runs: session arenas, Triton's model instances (nothing cached)
    except BaseException:
        backend.close()
        raise
    log.info("model stage on backend %s (%s configured), warm in %.1f s",
             backend.name, config.backend, time.perf_counter() - t0)
    return backend, linker


def _note_model(config: Config):
    """The label-attention classifier (server.models.NoteModel), warm; None when it is off."""
    if not config.note_model:
        return None
    from server.models.heads import NoteModel

    t0 = time.perf_counter()
    model = NoteModel.load()
    model.code_probs("Acute on chronic systolic heart failure.")   # first run: session arenas
    log.info("note model (label attention) warm in %.1f s", time.perf_counter() - t0)
    return model


def _claim_engine(config: Config, codesets):
    from server.claims import ClaimEngine

    return ClaimEngine.build(codesets=codesets, ptp_paths=config.ptp_paths, mue_paths=config.mue_paths,
                             coverage_paths=config.coverage_paths, rule_pack_paths=config.rule_pack_paths,
                             cache_dir=config.cache_dir / "edits")

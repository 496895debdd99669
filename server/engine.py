"""The composition root: everything a request needs, built once from the Config.

Used by the gRPC servicer and, in-process, by the CLI (``medcoder code``), so both give the same
answers. Each call returns per-stage timings in ``CodedEncounter.stage_ms``. With
``config.linker``, the pipeline's model stage links phrases through the configured model backend
(``server.backends``: embedded ONNX Runtime or Triton, with fallback), warmed here before the
gateway reports SERVING.
"""
from __future__ import annotations

import logging
import time
import uuid

from server.config import Config
from server.domain import CodedEncounter, CodeSystem, Patient, Setting, SourceFormat
from server.errors import InvalidInput
from server.ingest import IngestLimits, ingest
from server.review_log import Decision, ReviewLog

log = logging.getLogger("medcoder.engine")


class Engine:
    def __init__(self, config: Config, *, with_review_log: bool = True, metrics=None):
        from rules_native.codesets import CodeSets
        from server.pipeline import Pipeline

        t0 = time.perf_counter()
        self.config = config
        self.codesets = CodeSets.load(cache_dir=config.cache_dir / "codesets",
                                      hcpcs_path=config.hcpcs_path, cpt_path=config.cpt_path)
        self.backend, self.linker = _model_stage(config, metrics)
        try:
            self.note_model = _note_model(config)
            self.pipeline = Pipeline(self.codesets.icd10cm, self.codesets.icd10pcs,
                                     cache_dir=config.cache_dir / "pipeline", linker=self.linker,
                                     note_model=self.note_model)
        except BaseException:
            self.close()
            raise
        self.claims = _claim_engine(config, self.codesets)
        self.review_log, self.review = None, None
        if with_review_log:   # -- review wiring (server/review) --
            from server.review.auth import TokenBook
            from server.review.service import ReviewService

            tokens = TokenBook.load(config.review_tokens) if config.review_tokens else None
            self.review_log = ReviewLog(config.review_db_path, url=config.database_url)
            self.review = ReviewService(self.review_log, self.codesets, tokens)
        self.limits = IngestLimits(config.max_document_bytes)
        self.load_s = time.perf_counter() - t0

    def code(self, content: bytes, *, fmt: SourceFormat | None = None, doc_id: str = "",
             setting: Setting | None = None, patient: Patient | None = None,
             date_of_service: str | None = None, min_score: float = 0.0,
             systems: frozenset[CodeSystem] | None = None) -> tuple[CodedEncounter, str]:
        """Code one payload; returns the encounter and its server-assigned encounter id."""
        if not 0 <= min_score <= 1:
            raise InvalidInput("min_score must be within 0..1")
        t0 = time.perf_counter()
        doc = ingest(content, fmt=fmt, doc_id=doc_id, setting=setting, patient=patient,
                     date_of_service=date_of_service, default_setting=self.config.default_setting,
                     limits=self.limits)
        t1 = time.perf_counter()
        floor = self.config.default_min_score
        enc = self.pipeline.code(doc, min_score=min_score or (self.pipeline.operating_threshold if floor is None else floor))
        if systems:
            enc.codes = [c for c in enc.codes if c.system in systems]
        t2 = time.perf_counter()
        # the edits judge the claim the coder would submit: the codes at or above the operating
        # threshold (a lower min_score lists more, and what the guidelines took out sits below it)
        report_at = self.pipeline.operating_threshold
        dx = [c.code for c in sorted(enc.codes, key=lambda c: c.sequence or 10**6)
              if c.system is CodeSystem.ICD10CM and c.confidence >= report_at]
        if self.claims is not None and dx:
            enc.edits = list(self.claims.check_diagnoses(dx, doc.patient, doc.setting, doc.date_of_service))
        t3 = time.perf_counter()
        encounter_id = uuid.uuid4().hex
        assign_suggestion_ids(enc, encounter_id)
        enc.stage_ms = {"ingest": (t1 - t0) * 1e3, **enc.stage_ms, "rules": (t3 - t2) * 1e3,
                        "total": (t3 - t0) * 1e3}
        return enc, encounter_id

    def warm(self, note: bytes) -> None:
        """Code ``note`` once (each stage's first run happens here, not in a request), then forget
        its phrases: a served phrase's vector never comes from the warm-up note's company, which
        the offline tools (evaluation, fusion training) never see."""
        self.code(note)
        if self.linker is not None:
            self.linker.encoder.clear_cache()

    def keep_for_review(self, enc: CodedEncounter, encounter_id: str, tenant_id: str, specialty: str = "") -> None:
        """Store a coded encounter in the review queue of ``tenant_id``."""
        if self.review is not None:
            self.review.keep(enc, encounter_id, tenant_id, specialty)

    def submit_review(self, decision: Decision, coder=None, channel: str = "inproc") -> tuple[str, str]:
        """Check the decision against the stored encounter and the code set, then append it to the
        log. ``coder`` (server.review.auth.Coder) defaults to the decision's coder in its tenant."""
        if self.review is None:
            raise RuntimeError("engine was built without a review log")
        from server.review.auth import DEFAULT_TENANT, Coder

        who = coder or Coder(decision.coder_id, decision.tenant_id or DEFAULT_TENANT)
        return self.review.decide(who, decision, channel)

    @property
    def backend_name(self) -> str:
        """The model backend answering now ("embedded", "triton"), "none" without a model stage."""
        return self.backend.name if self.backend is not None else "none"

    def close(self) -> None:
        if getattr(self, "review_log", None) is not None:
            self.review_log.close()
        if self.backend is not None:
            self.backend.close()
            self.backend = None


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

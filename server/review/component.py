"""Human review as one component of the gateway: the decision log, the review service, the
code-search index, the review page (HTTP) and the retention purge, started and stopped together.

The engine holds a ``Review`` (or ``NoReview`` when it is built without a review log), so the
servicer and the server assembly never ask whether review is on: a gateway without a review log
keeps nothing, checks no coder token when coding, and answers ``SubmitReview`` with UNAVAILABLE
("this gateway has no review log"), as it always has.

    review = Review.open(config, codesets)
    review.start(page=True)      # warm code search, start retention and the page; returns its URL
    review.keep(enc, encounter_id, "clinic-a")
    review.stop(grace_s=5)

Storage faults (``server.review.storage``): a full disk or a read-only database fails
``SubmitReview`` with RESOURCE_EXHAUSTED / UNAVAILABLE (never acknowledged, so never lost) and
turns ``storage_ok`` false until a probe write succeeds; listeners (the gateway's health) hear each
flip. Coding goes on meanwhile: ``keep`` answers False and the encounter is not kept for review,
unless ``review_keep_required`` makes it fail the call. A tenant past its storage quota is refused
(``QuotaExceeded``) either way: that is a policy, not a fault.
"""
from __future__ import annotations

import logging
import threading
from typing import Mapping

from server.domain import CodedEncounter
from server.errors import StorageError, Unavailable
from server.review.auth import DEFAULT_TENANT, Coder, TokenBook
from server.review.denials import Denials
from server.review.http import PageLimits, ReviewServer
from server.review.log import Decision, ReviewLog
from server.review.service import ReviewService
from server.review.storage import StorageWatch

log = logging.getLogger("medcoder.review")


class ReviewDisabled(Unavailable):
    """A review call on a gateway built without a review log (UNAVAILABLE, as before)."""


class Review:
    """The review concern of one gateway process. Thread-safe once started."""

    def __init__(self, service: ReviewService, *, host: str = "127.0.0.1", port: int = 0,
                 max_body_bytes: int = 64 * 1024, retention_days: float = 0.0, probe_every_s: float = 1.0,
                 keep_required: bool = False, page_limits: PageLimits = PageLimits(), ssl_context=None,
                 denials: Denials | None = None, denials_refit_s: float = 0.0):
        self.service = service
        # remittances, scored claims and per-payer risk models (server/review/denials.py)
        self.denials = denials if denials is not None else Denials(service.log)
        self.denials_refit_s = denials_refit_s
        self.ssl_context = ssl_context   # the page on HTTPS (server.tls), with the gateway's certificate
        self.host, self.port, self.max_body_bytes = host, port, max_body_bytes
        self.retention_days, self.keep_required, self.page_limits = retention_days, keep_required, page_limits
        where = str(service.log.path) if service.log.path is not None else service.log.db.where
        self.storage = StorageWatch(service.log.probe, where, probe_every_s=probe_every_s)
        service.log.db.on_fault = self.storage.fault
        service.log.on_full = self.storage.needs
        self._http: ReviewServer | None = None
        self._retention: threading.Thread | None = None
        self._stopping = threading.Event()
        self._stopped = False

    @classmethod
    def open(cls, config, codesets) -> "Review":
        """The review log named by ``config`` (SQLite ``review_db_path`` or ``database_url``), its
        coder tokens, and the page and retention settings."""
        from server.tls import http_ssl_context

        tokens = TokenBook.load(config.review_tokens) if config.review_tokens else None
        ssl_context = http_ssl_context(config)
        log_ = ReviewLog(config.review_db_path, url=config.database_url, max_bytes=config.review_db_max_bytes,
                         tenant_quota_bytes=config.review_tenant_quota_bytes)
        limits = PageLimits(max_connections=config.review_max_connections, read_timeout_s=config.review_read_timeout_s,
                            login_per_minute=config.review_login_per_minute, cookie_secure=config.review_cookie_secure)
        denials = Denials(log_, min_claims=config.denials_min_claims, min_denied=config.denials_min_denied)
        return cls(ReviewService(log_, codesets, tokens, denial_threshold=config.denial_threshold),
                   host=config.review_host, port=config.review_port,
                   max_body_bytes=config.review_max_body_bytes, retention_days=config.review_retention_days,
                   probe_every_s=config.review_storage_probe_s, keep_required=config.review_keep_required,
                   page_limits=limits, ssl_context=ssl_context, denials=denials,
                   denials_refit_s=config.denials_refit_s)

    @property
    def storage_ok(self) -> bool:
        """False from a storage fault (disk full, read-only) until a probe write succeeds."""
        return self.storage.ok

    def add_storage_listener(self, fn) -> None:
        """``fn(ok: bool)`` on each storage flip, from the thread that saw it."""
        self.storage.add_listener(fn)

    @property
    def log(self) -> ReviewLog:
        return self.service.log

    @property
    def http_url(self) -> str | None:
        """The review page's URL once started; None when not started or its port was taken."""
        return self._http.url if self._http is not None else None

    # -- lifecycle --------------------------------------------------------------------------
    def start(self, *, page: bool = True) -> str | None:
        """Warm the code-search index, start the retention purge (when a retention is set) and,
        with ``page``, the review page. Blocking: run it off the event loop, before SERVING. A
        taken page port leaves coding up and says so loudly; the page's URL is returned."""
        self.service.search.warm()
        self.denials.start(refit_every_s=self.denials_refit_s, leader=page)   # one process refits and stores
        if self.retention_days > 0 and self._retention is None:
            self._retention = threading.Thread(target=self._retain, name="medcoder-review-retention",
                                               daemon=True)
            self._retention.start()
        if page and self._http is None:
            try:
                self._http = ReviewServer(self.service, self.host, self.port, self.max_body_bytes,
                                          self.page_limits, ssl_context=self.ssl_context).start()
            except OSError as e:
                log.error("review page NOT started: cannot bind %s:%d (%s); set MEDCODER_REVIEW_PORT",
                          self.host, self.port, e.strerror or type(e).__name__)
        return self.http_url

    def _retain(self) -> None:
        """Purge expired stored encounters now, then four times per retention period (at most
        hourly, at least every second). A failed purge is logged and tried again next round."""
        every_s = max(1.0, min(3600.0, self.retention_days * 86400 / 4))
        while not self._stopping.is_set():
            try:
                self.log.purge_older_than(self.retention_days)
            except Exception as e:  # noqa: BLE001 - the gateway keeps coding; the next round retries
                log.error("retention purge failed: %s", type(e).__name__)
            self._stopping.wait(every_s)

    def stop(self, grace_s: float = 5.0) -> None:
        """Stop the page and the retention purge (waiting up to ``grace_s`` for each), then close
        the log. Safe to call twice."""
        if self._stopped:
            return
        self._stopped = True
        self._stopping.set()
        if self._http is not None:
            self._http.stop(grace_s)
        if self._retention is not None:
            self._retention.join(grace_s)
        self.storage.stop(grace_s)
        self.denials.stop(grace_s)
        self.log.close()

    # -- what coding and SubmitReview need --------------------------------------------------
    def coding_tenant(self, metadata: Mapping[str, str]) -> str:
        """The tenant a gRPC-coded encounter is kept under; an unknown bearer token is refused
        (UNAUTHENTICATED) before anything is coded."""
        return self.service.coding_tenant(metadata)

    def grpc_coder(self, metadata: Mapping[str, str], coder_id: str) -> Coder:
        return self.service.grpc_coder(metadata, coder_id)

    def keep(self, enc: CodedEncounter, encounter_id: str, tenant_id: str, specialty: str = "") -> bool:
        """Store a coded encounter in the review queue of ``tenant_id``; False when a storage fault
        (already logged once, health flipped) left it unkept and ``keep_required`` is off."""
        try:
            self.service.keep(enc, encounter_id, tenant_id, specialty)
        except StorageError:
            if self.keep_required:
                raise
            return False
        return True

    def submit(self, decision: Decision, coder: Coder | None = None, channel: str = "inproc") -> tuple[str, str]:
        """Check the decision against the stored encounter and the code set, then append it to the
        log. ``coder`` defaults to the decision's coder in its tenant."""
        who = coder or Coder(decision.coder_id, decision.tenant_id or DEFAULT_TENANT)
        return self.service.decide(who, decision, channel)


    def score_claim(self, tenant_id: str, claim, result):
        """The claim's result with its payer's fitted risk (when it has one); the claim is kept as
        scored, for the payer's 835 to join to later."""
        return self.denials.score(tenant_id, claim, result)

    def import_remittance(self, data: bytes, tenant_id: str, actor: str, channel: str = "grpc"):
        return self.denials.import_835(data, tenant_id=tenant_id, actor=actor, channel=channel)


class NoReview:
    """``Review``'s interface for a gateway built without a review log: nothing is kept, coding
    checks no token, and a decision is refused with ``ReviewDisabled`` (UNAVAILABLE)."""

    service = None
    log = None
    http_url = None
    storage_ok = True

    def add_storage_listener(self, fn) -> None:
        return None

    def start(self, *, page: bool = True) -> None:
        return None

    def stop(self, grace_s: float = 5.0) -> None:
        return None

    def coding_tenant(self, metadata: Mapping[str, str]) -> str:
        return DEFAULT_TENANT

    def grpc_coder(self, metadata: Mapping[str, str], coder_id: str) -> Coder:
        raise ReviewDisabled("this gateway has no review log")

    def keep(self, enc: CodedEncounter, encounter_id: str, tenant_id: str, specialty: str = "") -> bool:
        return True

    def submit(self, decision: Decision, coder: Coder | None = None, channel: str = "inproc") -> tuple[str, str]:
        raise ReviewDisabled("this gateway has no review log")

    def score_claim(self, tenant_id: str, claim, result):
        return result

    def import_remittance(self, data: bytes, tenant_id: str, actor: str, channel: str = "grpc"):
        raise ReviewDisabled("this gateway has no review log to import remittances into")

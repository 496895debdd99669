"""The review core that the web page, gRPC ``SubmitReview`` and in-process callers share.

Every read of review data and every write is checked against the coder's tenant and audited,
refusals included. A decision is checked against the encounter as it was shown (the suggestion
must belong to it, the suggested code must match) and against the code set (the final code must be
a known, billable code), then appended to the log.
"""
from __future__ import annotations

import logging
from dataclasses import asdict, replace
from typing import Any, Mapping

from server.domain import CodedEncounter, CodeSystem
from server.errors import InvalidInput, MedcoderError, NotFound, PermissionDenied, StorageError, Unauthenticated
from server.review.auth import DEFAULT_TENANT, Coder, TokenBook
from server.review.codesearch import CodeSearch
from server.review.log import Decision, ReviewLog

log = logging.getLogger("medcoder.review")
SYSTEMS = tuple(s.value for s in CodeSystem)


def encounter_result(enc: CodedEncounter) -> dict[str, Any]:
    """What the review page shows of a coded encounter, as JSON-ready data."""
    def spans(ss):
        return [[s.start, s.end, s.section] for s in ss]

    return {
        "codes": [{"suggestion_id": c.suggestion_id, "system": c.system.value, "code": c.code,
                   "description": c.description, "confidence": round(float(c.confidence), 4),
                   "evidence": spans(c.evidence), "assertion": c.assertion.value,
                   "notes": [asdict(n) for n in c.notes], "sequence": c.sequence, "principal": c.principal}
                  for c in enc.codes],
        "cdi_queries": [{"code": q.code, "question": q.question, "missing": list(q.missing),
                         "evidence": spans(q.evidence)} for q in enc.cdi_queries],
        "edits": [{"kind": e.kind, "severity": e.severity.value, "rationale": e.rationale,
                   "codes": list(e.codes), "suggested_fix": e.suggested_fix} for e in enc.edits],
        "model_versions": dict(enc.model_versions),
    }


def bearer(metadata: Mapping[str, str] | None) -> str | None:
    value = (metadata or {}).get("authorization", "")
    return value[7:].strip() if value[:7].lower() == "bearer " else None


class ReviewService:
    def __init__(self, log_: ReviewLog, codesets, tokens: TokenBook | None, *, denial_threshold: float = 0.5):
        self.log = log_
        self.denial_threshold = denial_threshold   # a claim scored at or above it was flagged (denials page)
        self.codesets = codesets
        self.tokens = tokens
        self.search = CodeSearch(codesets)

    # -- identity ---------------------------------------------------------------------------
    def coder_for_token(self, token: str | None, channel: str) -> Coder:
        coder = self.tokens.lookup(token) if self.tokens is not None else None
        if coder is None:
            self.log.audit(channel, "anonymous", "", "login", "", "denied: unknown token")
            raise Unauthenticated("unknown or missing coder token")
        if channel == "http" and coder.role == "service":
            # the review page is for people: a decision must name the coder who made it
            self.log.audit(channel, coder.coder_id, coder.tenant_id, "login", "", "denied: service identity")
            raise PermissionDenied("a service identity cannot use the review page")
        return coder

    def grpc_coder(self, metadata: Mapping[str, str], coder_id: str) -> Coder:
        """Who submits over gRPC: the bearer token's coder; without configured tokens (a dev
        gateway) the request's coder_id in the default tenant."""
        token = bearer(metadata)
        if self.tokens is None and token is None:
            return Coder(coder_id, DEFAULT_TENANT)
        coder = self.coder_for_token(token, "grpc")
        if coder_id and coder_id != coder.coder_id:
            self.log.audit("grpc", coder.coder_id, coder.tenant_id, "write", "", "denied: coder_id mismatch")
            raise PermissionDenied("coder_id does not match the coder of the token")
        return coder

    def coding_tenant(self, metadata: Mapping[str, str]) -> str:
        """The tenant a gRPC-coded encounter is kept under: the bearer token's, else the default."""
        token = bearer(metadata)
        if token is None:
            return DEFAULT_TENANT
        return self.coder_for_token(token, "grpc").tenant_id

    # -- encounters -------------------------------------------------------------------------
    def keep(self, enc: CodedEncounter, encounter_id: str, tenant_id: str, specialty: str = "") -> None:
        """Store a coded encounter for review under its tenant."""
        self.log.store_encounter(encounter_id, tenant_id, enc.text, encounter_result(enc), doc_id=enc.doc_id,
                                 setting=enc.setting.value, specialty=specialty)

    def queue(self, who: Coder, channel: str) -> list[dict[str, Any]]:
        rows = self.log.queue(who.tenant_id)
        self.log.audit(channel, who.coder_id, who.tenant_id, "read", "queue", f"ok: {len(rows)} encounters")
        return rows

    def denials(self, who: Coder, channel: str):
        """The denial report of the caller's tenant (``server.review.denial_report``)."""
        from server.review.denial_report import denial_report

        report = denial_report(self.log, tenant_id=who.tenant_id, threshold=self.denial_threshold)
        self.log.audit(channel, who.coder_id, who.tenant_id, "read", "denial-report", f"ok: {len(report)} payers")
        return report

    def _owned(self, who: Coder, encounter_id: str, channel: str, action: str) -> dict[str, Any]:
        enc = self.log.encounter(encounter_id[:200]) if encounter_id else None
        if enc is None or enc.get("tenant_id") != who.tenant_id:
            # the same answer for "absent" and "another tenant's": existence is not disclosed
            self.log.audit(channel, who.coder_id, who.tenant_id, action, f"encounter:{encounter_id[:64]}",
                           "denied: not found in tenant")
            raise NotFound("no such encounter for this coder's tenant")
        return enc

    def open_encounter(self, who: Coder, encounter_id: str, channel: str) -> dict[str, Any]:
        """The stored encounter with its decisions (oldest first) and each suggestion's latest one."""
        enc = self._owned(who, encounter_id, channel, "read")
        decisions = self.log.decisions(encounter_id)
        latest = {d["suggestion_id"]: d for d in decisions if d["suggestion_id"]}
        added = [d for d in decisions if d["action"] == "add"]
        self.log.audit(channel, who.coder_id, who.tenant_id, "read", f"encounter:{encounter_id}", "ok")
        return {**enc, "decisions": decisions, "latest": latest, "added": added}

    # -- decisions --------------------------------------------------------------------------
    def decide(self, who: Coder, decision: Decision, channel: str) -> tuple[str, str]:
        """Check one decision against the stored encounter and the code set, then append it."""
        obj = f"encounter:{decision.encounter_id[:64]}"
        enc = self._owned(who, decision.encounter_id, channel, "write")
        try:
            d = self._checked(enc, replace(decision, coder_id=who.coder_id, tenant_id=who.tenant_id))
            with self.log.db.transaction():   # the decision and its audit row commit together, or neither
                decision_id, at = self.log.record(d)
                self.log.audit(channel, who.coder_id, who.tenant_id, "write", f"decision:{decision_id}",
                               f"ok: {d.action}")
        except StorageError:
            raise                             # the store refused: an audit row would not be written either
        except MedcoderError as e:
            self.log.audit(channel, who.coder_id, who.tenant_id, "write", obj, f"refused: {type(e).__name__}")
            raise
        return decision_id, at

    def _checked(self, enc: dict[str, Any], d: Decision) -> Decision:
        if d.action not in ("accept", "modify", "reject", "add"):
            raise InvalidInput("action must be one of accept, modify, reject, add")
        result = enc["result"]
        versions = d.model_versions or dict(result.get("model_versions", {}))
        if d.action == "add":
            if d.suggestion_id or d.suggested_code:
                raise InvalidInput("an added code has no suggestion_id or suggested_code")
            system = d.system or CodeSystem.ICD10CM.value
            if d.evidence is not None and not 0 <= d.evidence[0] < d.evidence[1] <= len(enc["text"]):
                raise InvalidInput("evidence span is outside the note")
            d = replace(d, system=system, model_versions=versions)
        else:
            shown = next((c for c in result["codes"] if c["suggestion_id"] == d.suggestion_id), None)
            if not d.suggestion_id or shown is None:
                raise InvalidInput("suggestion_id does not name a suggestion of this encounter")
            if d.suggested_code and d.suggested_code.replace(".", "").upper() != shown["code"].replace(".", ""):
                raise InvalidInput("suggested_code does not match the suggestion shown")
            if d.system and d.system != shown["system"]:
                raise InvalidInput("system does not match the suggestion shown")
            final = {"accept": shown["code"], "reject": ""}.get(d.action, d.final_code)
            if d.action == "reject" and d.final_code:
                raise InvalidInput("a rejected suggestion has no final_code")
            d = replace(d, system=shown["system"], suggested_code=shown["code"], final_code=final,
                        shown=shown, model_versions=versions)
        if d.system not in SYSTEMS:
            raise InvalidInput("system must be one of " + ", ".join(SYSTEMS))
        if d.action in ("modify", "add"):
            d = replace(d, final_code=self._final_code(d))
            if d.action == "modify" and d.final_code == d.suggested_code:
                raise InvalidInput("the final code equals the suggested code: accept it instead")
        d.validate()
        return d

    def _final_code(self, d: Decision) -> str:
        code = d.final_code.strip()
        if not code:
            raise InvalidInput(f"final_code is required to {d.action} a code")
        if len(code) > 16:
            raise InvalidInput("final_code is too long to be a code")
        try:
            cs = self.codesets.get(d.system)
        except Exception as e:  # HCPCS without a release file: say so, not a stack trace
            raise InvalidInput(f"the {d.system} code set is not loaded on this server") from e
        v = cs.validate(code)
        if not v.valid:
            raise InvalidInput(f"final_code is not a valid {d.system} code: {v.reason}")
        if not v.billable:
            raise InvalidInput(f"final_code {v.code} cannot be reported: {v.reason}")
        return v.code

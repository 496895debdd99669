"""Python SDK for the medcoder gateway. Imports nothing of the server.

>>> with MedcoderClient("127.0.0.1:50051") as mc:           # doctest: +SKIP
...     enc = mc.code("Assessment: NSTEMI. No evidence of pneumonia.", setting="inpatient")
...     [(c.code, round(c.confidence, 2)) for c in enc.codes]

Several replicas: a list of addresses, or one DNS name that resolves to all of them; calls are
spread round-robin over the healthy ones and retried with backoff (``client.routing``):

>>> MedcoderClient(["10.0.0.5:50051", "10.0.0.6:50051"])     # doctest: +SKIP
>>> MedcoderClient("gateway.medcoder.svc:50051")            # doctest: +SKIP
"""
from __future__ import annotations

import uuid
from pathlib import Path
from typing import Iterable, Iterator, Sequence

import grpc

from client.contract import pb, pb_grpc
from client.errors import from_rpc_error
from client.routing import RetryPolicy, channel_options, target_of

_FORMATS = {"auto": pb.FORMAT_AUTO, "text": pb.TEXT, "fhir": pb.FHIR_R4_JSON, "hl7": pb.HL7V2, "hl7v2": pb.HL7V2}
_SETTINGS = {None: pb.SETTING_UNSPECIFIED, "outpatient": pb.OUTPATIENT, "inpatient": pb.INPATIENT}
MAX_MESSAGE_BYTES = 32 * 1024 * 1024


def document(content: str | bytes, *, doc_id: str = "", fmt: str = "auto", setting: str | None = None,
             age_years: int | None = None, sex: str | None = None, date_of_service: str = "") -> "pb.Document":
    raw = content.encode("utf-8") if isinstance(content, str) else bytes(content)
    doc = pb.Document(id=doc_id, format=_FORMATS[fmt], content=raw, setting=_SETTINGS[setting],
                      date_of_service=date_of_service)
    if age_years is not None or sex:
        doc.patient.CopyFrom(pb.Patient(age_years=age_years, sex={"F": pb.FEMALE, "M": pb.MALE}.get(sex or "", 0)))
    return doc


def _pem(value: str | bytes | Path | None) -> bytes | None:
    """PEM bytes as given, or read from a path."""
    if value is None or isinstance(value, bytes):
        return value
    return Path(value).read_bytes()


def channel_credentials(*, root_ca=None, client_cert=None, client_key=None) -> grpc.ChannelCredentials:
    """TLS credentials: ``root_ca`` (PEM bytes or a path; None: the system's roots) verifies the
    gateway; ``client_cert``/``client_key`` are this client's certificate for mTLS."""
    if (client_cert is None) != (client_key is None):
        raise ValueError("client_cert and client_key go together")
    return grpc.ssl_channel_credentials(_pem(root_ca), _pem(client_key), _pem(client_cert))


class MedcoderClient:
    """A gateway connection. Plaintext by default (a development gateway on 127.0.0.1); with
    ``tls=True`` or any of ``root_ca``, ``client_cert``/``client_key`` it speaks TLS (mTLS with
    a client certificate). ``token`` is an API key sent as ``authorization: Bearer`` on every call.
    ``target``: one address, a list of replica addresses, or a DNS name (``client.routing.target_of``);
    ``retry``: the backoff and retry budget for RESOURCE_EXHAUSTED and UNAVAILABLE (None: no retries).

    >>> MedcoderClient("coder.example.org:443", root_ca="ca.crt", token=api_key)   # doctest: +SKIP
    """

    def __init__(self, target: str | Sequence[str] = "127.0.0.1:50051", *, timeout_s: float = 30.0,
                 channel: grpc.Channel | None = None, tls: bool = False, root_ca=None, client_cert=None,
                 client_key=None, token: str | None = None, server_name: str | None = None,
                 retry: RetryPolicy | None = RetryPolicy()):
        self.timeout_s = timeout_s
        target = target_of(target)
        options = [("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
                   ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES), *channel_options(retry)]
        if server_name:
            options.append(("grpc.ssl_target_name_override", server_name))
        if channel is None and (tls or root_ca is not None or client_cert is not None):
            creds = channel_credentials(root_ca=root_ca, client_cert=client_cert, client_key=client_key)
            channel = grpc.secure_channel(target, creds, options=options)
        self._channel = channel or grpc.insecure_channel(target, options=options)
        self._auth = (("authorization", f"Bearer {token}"),) if token else ()
        self._stub = pb_grpc.CodingServiceStub(self._channel)
        self.last_trailers: dict[str, str] = {}

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self) -> None:
        self._channel.close()

    def _call(self, method, request, request_id: str):
        try:
            response, call = method.with_call(request, timeout=self.timeout_s,
                                              metadata=(("x-request-id", request_id), *self._auth))
        except grpc.RpcError as e:
            raise from_rpc_error(e) from e
        self.last_trailers = dict(call.trailing_metadata() or ())
        return response

    def code(self, content: str | bytes, *, min_score: float | None = None, profile: str = "",
             request_id: str = "", **doc_kwargs) -> "pb.CodedEncounter":
        """Code one document. ``min_score`` None: the server's operating threshold (the codes a
        coder would report); 0: every candidate. ``profile``: "us-claims", "codiesp" or "" (the
        server's default)."""
        rid = request_id or uuid.uuid4().hex
        req = pb.CodeEncounterRequest(request_id=rid, document=document(content, **doc_kwargs), min_score=min_score,
                                      profile=profile)
        return self._call(self._stub.CodeEncounter, req, rid).encounter

    def stage_ms(self) -> dict[str, float]:
        """Per-stage server timings of the last unary call (from trailing metadata)."""
        p = "x-stage-ms-"
        return {k[len(p):]: float(v) for k, v in self.last_trailers.items() if k.startswith(p)}

    def code_many(self, requests: Iterable["pb.CodeEncounterRequest"]) -> Iterator["pb.CodeEncountersItem"]:
        """Bidirectional stream; items come back in request order, errors per item."""
        try:
            yield from self._stub.CodeEncounters(iter(requests), timeout=self.timeout_s * 10, metadata=self._auth)
        except grpc.RpcError as e:
            raise from_rpc_error(e) from e

    def score_claim(self, claim: "pb.Claim | dict", *, request_id: str = "",
                    documents: "list[pb.Document]" = ()) -> "pb.ScoreClaimResponse":
        """Edits and denial risk; with ``documents`` (``document(...)``: the encounter's notes in any
        format), also each billed code against the documentation and the payment impact."""
        rid = request_id or uuid.uuid4().hex
        msg = claim if isinstance(claim, pb.Claim) else claim_from_dict(claim)
        return self._call(self._stub.ScoreClaim, pb.ScoreClaimRequest(request_id=rid, claim=msg,
                                                                      documents=list(documents)), rid)

    def score_837(self, x12: bytes, *, request_id: str = "",
                  documents: "list[pb.Document]" = ()) -> "pb.ScoreClaimResponse":
        """An X12 837 holding one claim, with the encounter's documents sent beside it."""
        rid = request_id or uuid.uuid4().hex
        return self._call(self._stub.ScoreClaim, pb.ScoreClaimRequest(request_id=rid, x12_837=bytes(x12),
                                                                      documents=list(documents)), rid)

    def submit_review(self, request: "pb.SubmitReviewRequest") -> "pb.SubmitReviewResponse":
        rid = request.request_id or uuid.uuid4().hex
        request.request_id = rid
        return self._call(self._stub.SubmitReview, request, rid)

    def report_remittance(self, x12_835: bytes, *, request_id: str = "") -> "pb.ReportRemittanceResponse":
        """Send a payer's X12 835 (005010X221A1); stored all or nothing, never twice (a billing
        system's key: role ``service``)."""
        rid = request_id or uuid.uuid4().hex
        return self._call(self._stub.ReportRemittance, pb.ReportRemittanceRequest(request_id=rid, x12_835=x12_835), rid)


def claim_from_dict(d: dict) -> "pb.Claim":
    """The JSON claim shape (see docs/compliance.md) as a protobuf Claim."""
    patient = d.get("patient") or {}
    claim = pb.Claim(claim_id=str(d.get("claim_id", "")), setting=_SETTINGS.get(d.get("setting"), 0),
                     diagnoses=[str(x) for x in d.get("diagnoses", [])], payer=str(d.get("payer", "")),
                     procedures=[str(x) for x in d.get("procedures", [])])
    if "age" in patient or "sex" in patient:
        claim.patient.CopyFrom(pb.Patient(age_years=patient.get("age"),
                                          sex={"F": pb.FEMALE, "M": pb.MALE}.get(patient.get("sex"), 0)))
    for line in d.get("lines", []):
        claim.lines.append(pb.ClaimLine(
            code=str(line.get("code", "")), modifiers=[str(m) for m in line.get("modifiers", [])],
            units=int(line.get("units", 1)), date_of_service=str(line.get("date_of_service", "")),
            place_of_service=str(line.get("place_of_service", "")),
            diagnosis_pointers=[int(p) for p in line.get("diagnosis_pointers", [])]))
    return claim

"""A locust ``User`` that speaks gRPC to the gateway and reports every call to locust.

A gateway that needs TLS and caller identity (docs/security.md) is reached with
MEDCODER_LT_TLS_CA (its CA, PEM), MEDCODER_LT_TLS_CERT/MEDCODER_LT_TLS_KEY (a client certificate
for mTLS) and MEDCODER_LT_TOKEN_FILE (an API key, sent as ``authorization: Bearer``), which
``loadtest.run`` sets from its ``--tls-ca``, ``--tls-cert``, ``--tls-key`` and ``--token-file``.

The channel is the SDK's (``client.routing``): round_robin over every replica of the target (a
list ``127.0.0.1:p1,127.0.0.1:p2`` or a name), health-checked, and retrying RESOURCE_EXHAUSTED and
UNAVAILABLE with backoff inside gRPC, as a real client built on the SDK would; a call reported to
locust is the whole call, retries included. MEDCODER_LT_RETRIES=0 turns retries off.

gRPC needs gevent-aware polling under locust (``init_gevent``) before any channel exists. Failures
are reported as ``GrpcStatus('<CODE>')`` so locust groups errors by status code, which the report
turns into ``errors_by_status``.
"""
from __future__ import annotations

import collections
import os
import time
from pathlib import Path

import grpc
import grpc.experimental.gevent as grpc_gevent
from locust import User

grpc_gevent.init_gevent()

from client.contract import pb_grpc  # noqa: E402  (after init_gevent)
from client.routing import RetryPolicy, channel_options, target_of  # noqa: E402


class GrpcStatus(Exception):
    """A failed call, named by its status code only (details could quote the request)."""


class _Reporter(grpc.UnaryUnaryClientInterceptor, grpc.StreamStreamClientInterceptor):
    def __init__(self, environment):
        self.env = environment

    def _fire(self, name, start, length, exc):
        self.env.events.request.fire(request_type="grpc", name=name, response_time=(time.perf_counter() - start) * 1e3,
                                     response_length=length, exception=exc, context={})

    def intercept_unary_unary(self, continuation, details, request):
        start = time.perf_counter()
        call = continuation(details, request)
        name = details.method.rsplit("/", 1)[-1]
        try:
            response = call.result()
            self._fire(name, start, response.ByteSize(), None)
        except grpc.RpcError as e:
            self._fire(name, start, 0, GrpcStatus(e.code().name))
        return call

    def intercept_stream_stream(self, continuation, details, request_iterator):
        return continuation(details, request_iterator)   # streams are timed per item by the user


class _Details(collections.namedtuple("_Details", ("method", "timeout", "metadata", "credentials",
                                                   "wait_for_ready", "compression")), grpc.ClientCallDetails):
    pass


class _ApiKey(grpc.UnaryUnaryClientInterceptor, grpc.StreamStreamClientInterceptor):
    """Adds ``authorization: Bearer <key>`` to every call."""

    def __init__(self, key: str):
        self.header = ("authorization", f"Bearer {key}")

    def _with_key(self, d):
        return _Details(d.method, d.timeout, (*(d.metadata or ()), self.header), d.credentials,
                        getattr(d, "wait_for_ready", None), getattr(d, "compression", None))

    def intercept_unary_unary(self, continuation, details, request):
        return continuation(self._with_key(details), request)

    def intercept_stream_stream(self, continuation, details, request_iterator):
        return continuation(self._with_key(details), request_iterator)


def _channel(target: str, environ=os.environ) -> grpc.Channel:
    """Plaintext, or TLS (and mTLS) from the MEDCODER_LT_TLS_* files; an API key when one is given."""
    retry = RetryPolicy() if environ.get("MEDCODER_LT_RETRIES", "1") != "0" else None
    options = [("grpc.max_send_message_length", 32 << 20), ("grpc.max_receive_message_length", 32 << 20),
               *channel_options(retry)]
    target = target_of(target)
    ca, cert, key = (environ.get(f"MEDCODER_LT_TLS_{n}") for n in ("CA", "CERT", "KEY"))
    if ca or cert:
        creds = grpc.ssl_channel_credentials(Path(ca).read_bytes() if ca else None,
                                             Path(key).read_bytes() if key else None,
                                             Path(cert).read_bytes() if cert else None)
        channel = grpc.secure_channel(target, creds, options=options)
    else:
        channel = grpc.insecure_channel(target, options=options)
    token_file = environ.get("MEDCODER_LT_TOKEN_FILE")
    if token_file:
        channel = grpc.intercept_channel(channel, _ApiKey(Path(token_file).read_text(encoding="utf-8").strip()))
    return channel


class GrpcUser(User):
    abstract = True

    def on_start(self):
        target = self.host or "127.0.0.1:50051"
        target = target.split("://", 1)[-1]
        self._channel = grpc.intercept_channel(_channel(target), _Reporter(self.environment))
        self.stub = pb_grpc.CodingServiceStub(self._channel)

    def on_stop(self):
        self._channel.close()

    def fire(self, name: str, start: float, length: int, exc: Exception | None) -> None:
        self.environment.events.request.fire(request_type="grpc", name=name,
                                             response_time=(time.perf_counter() - start) * 1e3,
                                             response_length=length, exception=exc, context={})

"""A locust ``User`` that speaks gRPC to the gateway and reports every call to locust.

gRPC needs gevent-aware polling under locust (``init_gevent``) before any channel exists. Failures
are reported as ``GrpcStatus('<CODE>')`` so locust groups errors by status code, which the report
turns into ``errors_by_status``.
"""
from __future__ import annotations

import time

import grpc
import grpc.experimental.gevent as grpc_gevent
from locust import User

grpc_gevent.init_gevent()

from client.contract import pb_grpc  # noqa: E402  (after init_gevent)


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


class GrpcUser(User):
    abstract = True

    def on_start(self):
        target = self.host or "127.0.0.1:50051"
        target = target.split("://", 1)[-1]
        self._channel = grpc.intercept_channel(
            grpc.insecure_channel(target, options=[("grpc.max_send_message_length", 32 << 20),
                                                   ("grpc.max_receive_message_length", 32 << 20)]),
            _Reporter(self.environment))
        self.stub = pb_grpc.CodingServiceStub(self._channel)

    def on_stop(self):
        self._channel.close()

    def fire(self, name: str, start: float, length: int, exc: Exception | None) -> None:
        self.environment.events.request.fire(request_type="grpc", name=name,
                                             response_time=(time.perf_counter() - start) * 1e3,
                                             response_length=length, exception=exc, context={})

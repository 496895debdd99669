"""How a client reaches several gateway replicas: gRPC's own ``round_robin`` load balancing over
every address of the target, client-side health checking (a replica that reports NOT_SERVING,
warming up or draining, gets no calls), and retries with exponential backoff, all in the channel's
service config. Nothing here is a home-made balancer: gRPC C-core does the work.

>>> target_of(["127.0.0.1:50051", "127.0.0.1:50052"])
'ipv4:127.0.0.1:50051,127.0.0.1:50052'
>>> target_of("gateway.medcoder.svc:50051")       # a DNS name: every A/AAAA record is a replica
'dns:///gateway.medcoder.svc:50051'

What is retried, and why only that:
- ``RESOURCE_EXHAUSTED``: admission control (or a tenant limit) refused the call before doing any
  work; the server asks for "retry with backoff". Retried for every RPC.
- ``UNAVAILABLE``: the replica is warming up, draining, or its connection died. gRPC retries only
  a call whose response had not started; a coding call is safe to run again (it writes nothing a
  coder relies on before answering). ``SubmitReview`` is not retried on UNAVAILABLE: the replica
  may have recorded the decision before its connection died, and a second attempt would record it
  twice.
The retry budget (``retryThrottling``): each failed attempt costs a token, each success earns back
``token_ratio``; below half of ``max_tokens`` the channel stops retrying and the call fails with the
server's status, so an overloaded fleet is not hammered by its own clients' retries.
"""
from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass
from typing import Sequence

from client.contract import SERVICE_NAME

_CODING_METHODS = ("CodeEncounter", "CodeEncounters", "ScoreClaim")
# the server's "retry after" (gRFC A6): gRPC's retries wait this many ms instead of their backoff
RETRY_TRAILER = "grpc-retry-pushback-ms"


@dataclass(frozen=True)
class RetryPolicy:
    """Backoff of the n-th retry: random in [0, min(initial_backoff_s * multiplier**(n-1), max_backoff_s)]
    (gRFC A6). gRPC caps ``max_attempts`` at 5."""

    max_attempts: int = 5
    initial_backoff_s: float = 0.1
    max_backoff_s: float = 1.0
    backoff_multiplier: float = 2.0
    max_tokens: int = 100
    token_ratio: float = 0.5

    def __post_init__(self):
        if not 2 <= self.max_attempts <= 5:
            raise ValueError("max_attempts: 2..5 (gRPC caps retries at 5 attempts)")
        if not 0 < self.initial_backoff_s <= self.max_backoff_s:
            raise ValueError("initial_backoff_s must be > 0 and <= max_backoff_s")
        if not (isinstance(self.max_tokens, int) and 0 < self.max_tokens <= 1000) or not 0 < self.token_ratio <= 1:
            raise ValueError("max_tokens: an integer in (0, 1000]; token_ratio: (0, 1]")

    def _policy(self, codes: Sequence[str]) -> dict:
        return {"maxAttempts": self.max_attempts, "initialBackoff": f"{self.initial_backoff_s:g}s",
                "maxBackoff": f"{self.max_backoff_s:g}s", "backoffMultiplier": self.backoff_multiplier,
                "retryableStatusCodes": list(codes)}


def service_config(retry: RetryPolicy | None = RetryPolicy(), *, health_service: str = SERVICE_NAME) -> dict:
    """The channel's service config: round_robin over the resolved addresses, health-checked on
    ``health_service`` (the gateway's health servicer answers it), and ``retry`` (None: no retries)."""
    config: dict = {"loadBalancingConfig": [{"round_robin": {}}],
                    "healthCheckConfig": {"serviceName": health_service}}
    if retry is not None:
        config["retryThrottling"] = {"maxTokens": retry.max_tokens, "tokenRatio": retry.token_ratio}
        config["methodConfig"] = [
            {"name": [{"service": SERVICE_NAME, "method": m} for m in _CODING_METHODS],
             "retryPolicy": retry._policy(("UNAVAILABLE", "RESOURCE_EXHAUSTED"))},
            {"name": [{"service": SERVICE_NAME, "method": "SubmitReview"}],
             "retryPolicy": retry._policy(("RESOURCE_EXHAUSTED",))},
        ]
    return config


def channel_options(retry: RetryPolicy | None = RetryPolicy()) -> list[tuple[str, object]]:
    """Options for ``grpc.insecure_channel``/``secure_channel`` that carry ``service_config``."""
    return [("grpc.service_config", json.dumps(service_config(retry))),
            ("grpc.enable_retries", 1 if retry is not None else 0)]


def target_of(addresses: str | Sequence[str]) -> str:
    """A gRPC target for one or several replicas.

    - a list of ``host:port`` with IP literals, or one string of them joined by commas: a static
      ``ipv4:``/``ipv6:`` target, every address a replica;
    - one ``name:port`` (or any target with a scheme, e.g. ``dns:///...``): left to gRPC's
      resolver, which balances over every address the name resolves to (a Kubernetes headless
      Service, a DNS round-robin record).
    """
    if isinstance(addresses, str):
        if "://" in addresses or addresses.startswith(("ipv4:", "ipv6:", "unix:")):
            return addresses
        parts = [a.strip() for a in addresses.split(",") if a.strip()]
        if len(parts) == 1:
            return parts[0] if _ip_of(parts[0]) is not None else f"dns:///{parts[0]}"
    else:
        parts = [a.strip() for a in addresses]
    if not parts:
        raise ValueError("no gateway address given")
    ips = [_ip_of(p) for p in parts]
    if any(ip is None for ip in ips):
        raise ValueError("a list of replicas must be IP:port addresses; for host names give one DNS name that "
                         "resolves to every replica (e.g. a headless Service)")
    versions = {ip.version for ip in ips}
    if len(versions) > 1:
        raise ValueError("a list of replicas must be all IPv4 or all IPv6")
    return ("ipv4:" if versions == {4} else "ipv6:") + ",".join(parts)


def _ip_of(address: str):
    host, sep, port = address.rpartition(":")
    if not sep or not port.isdigit():
        raise ValueError(f"gateway address {address!r} needs a port (host:port)")
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None

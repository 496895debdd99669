"""Who is calling: an API key (``authorization: Bearer <token>``) or a verified client certificate
(mTLS), mapped by the tokens file to a subject, a tenant and a role; what each role may call; and
whether this gateway may run without identity at all (docs/security.md).

    identities = Identities.from_config(config)      # refuses a non-loopback bind without identity
    who = identities.resolve(metadata, auth_context)  # Principal, or Unauthenticated / PermissionDenied
    allow(who, "/medcoder.v1.CodingService/SubmitReview")

Roles: a ``coder`` (a person) codes notes, checks claims and records review decisions; a
``service`` (an EHR bridge, a billing system) codes notes and checks claims but cannot record a
decision, which must name the person who made it, and sends the payer's 835 remittances
(``ReportRemittance``: a billing system's job, not a coder's); an ``admin`` may call everything, reflection
included. Health is open to everyone, so load balancers need no credentials.
"""
from __future__ import annotations

import ipaddress
import logging
from dataclasses import dataclass
from typing import Mapping, Sequence

from server.errors import InvalidInput, PermissionDenied, Unauthenticated
from server.review.auth import DEFAULT_TENANT, TokenBook

log = logging.getLogger("medcoder.identity")

HEALTH_PREFIX = "/grpc.health.v1.Health/"
REFLECTION_PREFIXES = ("/grpc.reflection.v1alpha.ServerReflection/", "/grpc.reflection.v1.ServerReflection/")
CODING_SERVICE = "/medcoder.v1.CodingService/"
# The RPCs of CodingService and the roles that may call them; anything not named here is admin-only.
RPC_ROLES: dict[str, frozenset[str]] = {
    "CodeEncounter": frozenset({"coder", "service", "admin"}),
    "CodeEncounters": frozenset({"coder", "service", "admin"}),
    "ScoreClaim": frozenset({"coder", "service", "admin"}),
    "SubmitReview": frozenset({"coder", "admin"}),
    "ReportRemittance": frozenset({"service", "admin"}),
}


@dataclass(frozen=True)
class Principal:
    """The caller of one RPC. ``auth`` says how we know: "token", "mtls" or "dev" (no identity:
    a development gateway's every caller)."""

    subject: str
    tenant_id: str
    role: str
    auth: str


DEV_PRINCIPAL = Principal("dev", DEFAULT_TENANT, "admin", "dev")


def is_open(method: str) -> bool:
    """Health needs no identity."""
    return method.startswith(HEALTH_PREFIX)


def is_reflection(method: str) -> bool:
    return method.startswith(REFLECTION_PREFIXES)


def allow(who: Principal, method: str) -> None:
    """PermissionDenied unless ``who``'s role may call ``method`` (RPC_ROLES; reflection: any
    identified caller, when reflection is on at all)."""
    if is_reflection(method):
        return
    rpc = method[len(CODING_SERVICE):] if method.startswith(CODING_SERVICE) else None
    roles = RPC_ROLES.get(rpc, frozenset({"admin"})) if rpc is not None else frozenset({"admin"})
    if who.role not in roles:
        raise PermissionDenied(f"role {who.role} may not call {method.rsplit('/', 1)[-1]}")


def is_loopback(host: str) -> bool:
    host = host.strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Identities:
    """Resolves callers against the tokens file (API keys and ``mtls:`` names). ``dev``: a call
    without credentials is ``DEV_PRINCIPAL``; credentials that are given are still checked."""

    def __init__(self, tokens: TokenBook | None, *, dev: bool):
        self.tokens, self.dev = tokens, dev

    @classmethod
    def from_config(cls, config) -> "Identities":
        """The identities of ``config``, and the decision whether it may serve without them:
        explicit ``dev``, or no identity configured on a loopback address (the newcomer's
        ``make serve``). A non-loopback address with no identity configured raises InvalidInput."""
        configured = config.review_tokens is not None or config.tls_client_ca is not None
        if not configured and not config.dev and not is_loopback(config.host):
            raise InvalidInput(
                f"refusing to serve on {config.host} without caller identity: set MEDCODER_REVIEW_TOKENS "
                "(API keys) and/or --tls-client-ca (client certificates), or pass --dev to run without "
                "authentication (docs/security.md)")
        tokens = TokenBook.load(config.review_tokens) if config.review_tokens else None
        return cls(tokens, dev=config.dev or not configured)

    def startup_line(self, config) -> str:
        """The one line the start-up log says about authentication."""
        tls = ("mTLS" if config.tls_client_ca else "TLS") if config.tls_cert else "no TLS"
        if self.dev and config.dev:
            return (f"medcoder runs WITHOUT authentication (--dev) on {config.host}, {tls}: every caller "
                    f"without credentials is admin of tenant '{DEFAULT_TENANT}'")
        if self.dev:
            return (f"medcoder is a development server bound to {config.host} without authentication "
                    f"({tls}): set MEDCODER_REVIEW_TOKENS or --tls-client-ca before exposing it (docs/security.md)")
        ways = [w for w, on in (("API keys", self.tokens is not None and len(self.tokens) > 0),
                                ("client certificates", config.tls_client_ca is not None)) if on]
        line = f"medcoder requires caller identity ({' or '.join(ways) or 'none configured: every call refused'}), {tls}"
        if config.tls_cert is None and not is_loopback(config.host):
            line += f": API keys and notes cross the network to {config.host} in clear; set --tls-cert/--tls-key"
        return line

    def resolve(self, metadata: Mapping[str, str], auth_context: Mapping[str, Sequence[bytes]] | None) -> Principal:
        """The caller: a bearer token first (a person on a trusted service's channel), else the
        client certificate's names. Unknown token: Unauthenticated; a verified certificate that no
        ``mtls:`` line maps: PermissionDenied; nothing at all: Unauthenticated unless ``dev``."""
        token = _bearer(metadata)
        if token is not None:
            coder = self.tokens.lookup(token) if self.tokens is not None else None
            if coder is None:
                raise Unauthenticated("unknown API key")
            return Principal(coder.coder_id, coder.tenant_id, coder.role, "token")
        names = [n.decode("utf-8", "replace") for n in (auth_context or {}).get("x509_subject_alternative_name", ())]
        if names:
            coder = self.tokens.lookup_certificate(names) if self.tokens is not None else None
            if coder is not None:
                return Principal(coder.coder_id, coder.tenant_id, coder.role, "mtls")
            if not self.dev:
                raise PermissionDenied("the client certificate is valid but its name is not mapped to a tenant")
        if self.dev:
            return DEV_PRINCIPAL
        raise Unauthenticated("this gateway requires an API key (authorization: Bearer ...) or a client certificate")


def _bearer(metadata: Mapping[str, str]) -> str | None:
    value = metadata.get("authorization", "")
    return value[7:].strip() if value[:7].lower() == "bearer " else None


def reflection_on(config, identities: Identities) -> bool:
    """Reflection follows ``config.reflection``; unset, it is on only for a dev gateway."""
    return identities.dev if config.reflection is None else config.reflection

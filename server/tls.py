"""TLS for everything a network sees: the gRPC port and the review page, from one certificate
and key (``tls_cert``/``tls_key``), and with ``tls_client_ca`` client certificates required and
verified at the handshake (mTLS): an expired certificate or one from another CA never reaches a
handler. Files that cannot be read or parsed are refused at start-up with their path named."""
from __future__ import annotations

import ssl
from pathlib import Path

import grpc

from server.errors import InvalidInput


def _read(path: Path, what: str) -> bytes:
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        raise InvalidInput(f"cannot read the {what} {path}: {e.strerror or type(e).__name__}") from None
    if b"-----BEGIN " not in data:
        raise InvalidInput(f"the {what} {path} is not PEM")
    return data


def grpc_server_credentials(config) -> grpc.ServerCredentials | None:
    """Credentials for ``add_secure_port``; None when no certificate is configured (plaintext)."""
    if config.tls_cert is None:
        return None
    _ssl_context(config)   # the same files must make a working context: fail here, with the path
    pair = [(_read(config.tls_key, "TLS private key"), _read(config.tls_cert, "TLS certificate"))]
    ca = _read(config.tls_client_ca, "client CA bundle") if config.tls_client_ca else None
    return grpc.ssl_server_credentials(pair, root_certificates=ca, require_client_auth=ca is not None)


def http_ssl_context(config) -> ssl.SSLContext | None:
    """The review page's TLS context (TLS 1.2+; client certificates required with a client CA)."""
    return _ssl_context(config) if config.tls_cert is not None else None


def _ssl_context(config) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    _read(config.tls_cert, "TLS certificate")
    try:
        ctx.load_cert_chain(str(config.tls_cert), str(config.tls_key))
    except (ssl.SSLError, OSError) as e:
        raise InvalidInput(f"the TLS certificate {config.tls_cert} and key {config.tls_key} do not load "
                           f"({type(e).__name__}: a PEM chain and its private key, unencrypted)") from None
    if config.tls_client_ca is not None:
        _read(config.tls_client_ca, "client CA bundle")
        try:
            ctx.load_verify_locations(cafile=str(config.tls_client_ca))
        except (ssl.SSLError, OSError) as e:
            raise InvalidInput(f"the client CA bundle {config.tls_client_ca} does not load ({type(e).__name__})") from None
        ctx.verify_mode = ssl.CERT_REQUIRED
    return ctx

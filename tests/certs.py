"""Certificates made at test time (``cryptography``): a CA, a server certificate for 127.0.0.1 and
localhost, and client certificates with a SAN: valid, expired, from another CA, with a SAN no
tokens file maps. Nothing here is checked in; every run makes fresh keys."""
from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CLIENT_SAN = "spiffe://clinic-a/ehr-bridge"
UNMAPPED_SAN = "spiffe://clinic-z/unknown"


@dataclass(frozen=True)
class Pair:
    cert: Path
    key: Path


@dataclass(frozen=True)
class TestPKI:
    ca: Path
    server: Pair
    client: Pair            # SAN CLIENT_SAN, signed by the CA
    expired: Pair           # same SAN, expired yesterday
    wrong_ca: Pair          # same SAN, signed by another CA
    unmapped: Pair          # valid chain, SAN UNMAPPED_SAN
    other_ca: Path


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _key():
    return ec.generate_private_key(ec.SECP256R1())


def _ca(cn: str):
    key = _key()
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(_name(cn)).issuer_name(_name(cn))
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                         content_commitment=False, key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256()))
    return cert, key


def _leaf(ca, ca_key, cn: str, sans: list, usage, *, expired: bool = False):
    key = _key()
    now = dt.datetime.now(dt.timezone.utc)
    start, end = ((now - dt.timedelta(days=10), now - dt.timedelta(days=1)) if expired
                  else (now - dt.timedelta(hours=1), now + dt.timedelta(days=7)))
    cert = (x509.CertificateBuilder().subject_name(_name(cn)).issuer_name(ca.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(end)
            .add_extension(x509.SubjectAlternativeName(sans), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    return cert, key


def _write(folder: Path, name: str, cert, key) -> Pair:
    c, k = folder / f"{name}.crt", folder / f"{name}.key"
    c.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    k.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption()))
    k.chmod(0o600)
    return Pair(c, k)


def make_pki(folder: Path) -> TestPKI:
    """Write the CA, server and client certificates under ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    ca, ca_key = _ca("medcoder test CA")
    other, other_key = _ca("some other CA")
    (folder / "ca.crt").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (folder / "other-ca.crt").write_bytes(other.public_bytes(serialization.Encoding.PEM))
    server_sans = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    client_sans = [x509.UniformResourceIdentifier(CLIENT_SAN)]
    client_auth = ExtendedKeyUsageOID.CLIENT_AUTH
    return TestPKI(
        ca=folder / "ca.crt",
        server=_write(folder, "server", *_leaf(ca, ca_key, "localhost", server_sans, ExtendedKeyUsageOID.SERVER_AUTH)),
        client=_write(folder, "client", *_leaf(ca, ca_key, "ehr-bridge", client_sans, client_auth)),
        expired=_write(folder, "expired", *_leaf(ca, ca_key, "ehr-bridge", client_sans, client_auth, expired=True)),
        wrong_ca=_write(folder, "wrong-ca", *_leaf(other, other_key, "ehr-bridge", client_sans, client_auth)),
        unmapped=_write(folder, "unmapped", *_leaf(ca, ca_key, "stranger",
                                                   [x509.UniformResourceIdentifier(UNMAPPED_SAN)], client_auth)),
        other_ca=folder / "other-ca.crt",
    )

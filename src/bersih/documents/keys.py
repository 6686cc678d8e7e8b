"""Signing keys: the development CA and one certificate per signing unit, as PEM files in KEYS_DIR.

Layout (``bersih keys init`` creates the first two; unit certificates are issued on first signing)::

    dev-ca.pem, dev-ca.key              the development certificate authority (10 years)
    units/<unit-code>.pem, .key         a unit's certificate and private key
    units/<unit-code>.chain.pem         optional: intermediate certificates (production, BSrE)

In production the operator places the unit's BSrE certificate and key under ``units/`` and names the
trusted roots in ``DOCUMENT_TRUST_ROOTS``; the development CA is then switched off
(``DOCUMENT_DEV_CA=false``, the production default), so nothing is ever issued on the fly.
Private keys are written 0600 and never leave this directory.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings

CA_CERT = "dev-ca.pem"
CA_KEY = "dev-ca.key"
UNITS_DIR = "units"
ORGANISATION = "Kepolisian Negara Republik Indonesia"
CA_YEARS = 10
UNIT_YEARS = 3


class SigningKeyMissing(RuntimeError):
    """No certificate is configured for a unit and the development CA may not issue one."""


@dataclass(frozen=True)
class UnitCredentials:
    key_pem: bytes
    cert_pem: bytes
    chain_pems: tuple[bytes, ...]


def keys_dir() -> Path:
    return Path(settings.KEYS_DIR)


def dev_ca_enabled() -> bool:
    return bool(getattr(settings, "DOCUMENT_DEV_CA", not settings.PRODUCTION))


def init_keys(directory: Path, *, force: bool = False) -> list[str]:
    """``bersih keys init``: make the development CA unless it exists (``force`` replaces it)."""
    directory = Path(directory)
    cert_path, key_path = directory / CA_CERT, directory / CA_KEY
    if cert_path.exists() and key_path.exists() and not force:
        return [f"development CA kept: {_subject(cert_path.read_bytes())}"]
    if force:
        # Unit certificates of the old CA would no longer chain to it: issue them again on first use.
        for old in (directory / UNITS_DIR).glob("*") if (directory / UNITS_DIR).exists() else ():
            if old.suffix in {".pem", ".key"} and not old.name.endswith(".chain.pem"):
                old.unlink()
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANISATION),
            x509.NameAttribute(NameOID.COMMON_NAME, "Bersih Development CA (not for production)"),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=365 * CA_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    _write(key_path, _key_pem(key), private=True, replace=True)
    _write(cert_path, cert.public_bytes(serialization.Encoding.PEM), replace=True)
    return [f"development CA created: {cert_path.name} ({cert.subject.rfc4514_string()})"]


def unit_credentials(unit) -> UnitCredentials:
    """The key and certificate a unit signs with; issued from the development CA on first use."""
    directory = keys_dir() / UNITS_DIR
    cert_path, key_path = directory / f"{unit.code}.pem", directory / f"{unit.code}.key"
    present = cert_path.exists() and key_path.exists()
    if present and _expires_soon(cert_path.read_bytes()):
        if not dev_ca_enabled():
            raise SigningKeyMissing(
                f"the signing certificate of unit {unit.code} has expired: renew {cert_path}"
            )
        for path in (cert_path, key_path):  # development certificates are simply issued again
            path.unlink(missing_ok=True)
        present = False
    if not present:
        if not dev_ca_enabled():
            raise SigningKeyMissing(
                f"no signing certificate for unit {unit.code}: place {cert_path.name} and {key_path.name} "
                f"in {directory}"
            )
        issue_unit_certificate(unit)
        _wait_for(cert_path)
    chain_path = directory / f"{unit.code}.chain.pem"
    chain = _split_pems(chain_path.read_bytes()) if chain_path.exists() else ()
    if not chain and dev_ca_enabled() and (keys_dir() / CA_CERT).exists():
        chain = (Path(keys_dir() / CA_CERT).read_bytes(),)
    return UnitCredentials(key_path.read_bytes(), cert_path.read_bytes(), tuple(chain))


def issue_unit_certificate(unit) -> Path:
    """A certificate for ``unit`` from the development CA (made first if missing).

    Written with an exclusive link, so when two processes race, both end up using the same files.
    """
    directory = keys_dir()
    if not (directory / CA_CERT).exists():
        directory.mkdir(parents=True, exist_ok=True)
        init_keys(directory)
    ca_key = serialization.load_pem_private_key((directory / CA_KEY).read_bytes(), password=None)
    ca_cert = x509.load_pem_x509_certificate((directory / CA_CERT).read_bytes())
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANISATION),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit.code),
            x509.NameAttribute(NameOID.COMMON_NAME, unit.name),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(min(now + dt.timedelta(days=365 * UNIT_YEARS), ca_cert.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_cert.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    units = directory / UNITS_DIR
    units.mkdir(parents=True, exist_ok=True, mode=0o700)
    key_path, cert_path = units / f"{unit.code}.key", units / f"{unit.code}.pem"
    if _write(key_path, _key_pem(key), private=True, replace=False):
        _write(cert_path, cert.public_bytes(serialization.Encoding.PEM), replace=True)
    return cert_path


def _expires_soon(cert_pem: bytes, margin: dt.timedelta = dt.timedelta(days=1)) -> bool:
    """A certificate that ends within ``margin`` must not sign anything more."""
    cert = x509.load_pem_x509_certificate(cert_pem)
    return cert.not_valid_after_utc - margin < dt.datetime.now(dt.UTC)


def _wait_for(path: Path, seconds: float = 5.0) -> None:
    """Another process that won the race writes the certificate just after its key."""
    deadline = time.monotonic() + seconds
    while not path.exists():
        if time.monotonic() > deadline:
            raise SigningKeyMissing(f"{path.name} did not appear; remove the stray key and sign again")
        time.sleep(0.05)


def trust_roots_pem() -> list[bytes]:
    """The certificates a signature must chain to: the configured roots, and the development CA."""
    roots = [Path(path).read_bytes() for path in getattr(settings, "DOCUMENT_TRUST_ROOTS", [])]
    ca = keys_dir() / CA_CERT
    if dev_ca_enabled() and ca.exists():
        roots.append(ca.read_bytes())
    return [pem for blob in roots for pem in _split_pems(blob)]


def _key_pem(key) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _write(path: Path, data: bytes, *, private: bool = False, replace: bool) -> bool:
    """Write atomically (0600 for keys); without ``replace``, keep a file another process wrote first."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, 0o600 if private else 0o644)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        if replace:
            os.replace(tmp, path)
            return True
        try:
            os.link(tmp, path)
        except FileExistsError:
            return False
        return True
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _split_pems(blob: bytes) -> tuple[bytes, ...]:
    marker = b"-----END CERTIFICATE-----"
    parts = [part.strip() + b"\n" + marker + b"\n" for part in blob.split(marker) if part.strip()]
    return tuple(parts)


def _subject(cert_pem: bytes) -> str:
    return x509.load_pem_x509_certificate(cert_pem).subject.rfc4514_string()

"""The ledger's Ed25519 signing key: ``bersih keys init`` creates it; checkpoints are signed with it.

The private key (``ledger-ed25519.pem``, mode 0600) signs checkpoints; the public key
(``ledger-ed25519.pub``, PEM) verifies them and may be published or printed with each checkpoint.
In production the private key lives where the checkpoint job runs and nowhere else.
"""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings

PRIVATE_NAME = "ledger-ed25519.pem"
PUBLIC_NAME = "ledger-ed25519.pub"


class KeyMissing(Exception):
    """The ledger key is not where it should be (run ``bersih keys init``)."""


def keys_dir() -> Path:
    return Path(getattr(settings, "KEYS_DIR", settings.VAR_DIR / "keys"))


def init_keys(directory: Path, *, force: bool = False) -> list[str]:
    """Create the ledger key pair under ``directory`` unless it exists (or ``force``)."""
    directory = Path(directory)
    private_path, public_path = directory / PRIVATE_NAME, directory / PUBLIC_NAME
    if private_path.exists() and not force:
        if not public_path.exists():
            _write_public(public_path, load_private_key(directory).public_key())
            return [f"ledger key kept; public key rewritten to {public_path.name}"]
        return [f"ledger key kept ({private_path.name}, key id {key_id(load_public_key(directory))})"]
    directory.mkdir(parents=True, exist_ok=True)
    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    # Create with 0600 from the start so the key is never readable by others, even briefly.
    fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    private_path.chmod(0o600)
    _write_public(public_path, private.public_key())
    return [f"ledger key created: {private_path.name} (key id {key_id(private.public_key())})"]


def _write_public(path: Path, public: Ed25519PublicKey) -> None:
    path.write_bytes(
        public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )


def load_private_key(directory: Path | None = None) -> Ed25519PrivateKey:
    path = Path(directory or keys_dir()) / PRIVATE_NAME
    if not path.exists():
        raise KeyMissing(f"no ledger signing key at {path.name}; run `bersih keys init`")
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyMissing(f"{path.name} is not an Ed25519 private key")
    return key


def load_public_key(directory: Path | None = None) -> Ed25519PublicKey:
    path = Path(directory or keys_dir()) / PUBLIC_NAME
    if not path.exists():
        raise KeyMissing(f"no ledger public key at {path.name}; run `bersih keys init`")
    return public_key_from_pem(path.read_bytes())


def public_key_from_pem(pem: bytes) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(pem)
    if not isinstance(key, Ed25519PublicKey):
        raise KeyMissing("not an Ed25519 public key")
    return key


def raw_public(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_b64(public: Ed25519PublicKey) -> str:
    return base64.b64encode(raw_public(public)).decode("ascii")


def public_from_b64(text: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(base64.b64decode(text, validate=True))


def key_id(public: Ed25519PublicKey) -> str:
    """A short fingerprint of the public key (first 16 hex digits of its SHA-256)."""
    return hashlib.sha256(raw_public(public)).hexdigest()[:16]

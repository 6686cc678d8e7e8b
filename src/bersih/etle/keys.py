"""The secret shared with the bank: it signs every payment notification (HMAC-SHA256).

Production sets ``ETLE_BANK_SECRET`` in the environment (the value agreed with the bank). Development
keeps its own under KEYS_DIR (``etle-bank-secret``, mode 0600), made by ``bersih keys init`` or on first
use, so that ``bersih etle bank-pay`` and the server agree without any setup.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from django.conf import settings

SECRET_NAME = "etle-bank-secret"  # noqa: S105 - a file name, not the secret


class BankSecretMissing(Exception):
    """No bank secret is configured (production needs ETLE_BANK_SECRET)."""


def keys_dir() -> Path:
    return Path(getattr(settings, "KEYS_DIR", settings.VAR_DIR / "keys"))


def _write_secret(path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(value)
    path.chmod(0o600)
    return value


def init_keys(directory: Path, *, force: bool = False) -> list[str]:
    """``bersih keys init``: create the development bank secret unless it exists (or ``force``)."""
    path = Path(directory) / SECRET_NAME
    if path.exists() and not force:
        return [f"bank secret kept ({path.name})"]
    _write_secret(path)
    return [f"bank secret created: {path.name}"]


def bank_secret() -> bytes:
    """The shared secret: the setting, or in development the file under KEYS_DIR (created if missing)."""
    configured = getattr(settings, "ETLE_BANK_SECRET", "")
    if configured:
        return configured.encode()
    if getattr(settings, "PRODUCTION", False):
        raise BankSecretMissing("ETLE_BANK_SECRET must be set in production")
    path = keys_dir() / SECRET_NAME
    if not path.exists():
        return _write_secret(path).encode()
    return path.read_text().strip().encode()

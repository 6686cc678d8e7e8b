"""The secret shared with the bank for the SIM fee: it signs every payment notification (HMAC-SHA256).

Production sets ``LICENSING_BANK_SECRET`` in the environment (the value agreed with the bank).
Development keeps its own under KEYS_DIR (``licensing-bank-secret``, mode 0600), made by ``bersih keys
init`` or on first use, so that ``bersih licensing bank-pay`` and the server agree without any setup.
"""

from __future__ import annotations

from pathlib import Path

from bersih.core.bank import BankSecretMissing, SharedSecret

__all__ = ["SECRET", "SECRET_NAME", "BankSecretMissing", "bank_secret", "init_keys"]

SECRET_NAME = "licensing-bank-secret"  # noqa: S105 - a file name, not the secret
SECRET = SharedSecret(setting="LICENSING_BANK_SECRET", file_name=SECRET_NAME)


def init_keys(directory: Path, *, force: bool = False) -> list[str]:
    """``bersih keys init``: create the development bank secret unless it exists (or ``force``)."""
    return SECRET.init(directory, force=force)


def bank_secret() -> bytes:
    """The shared secret: the setting, or in development the file under KEYS_DIR (created if missing)."""
    return SECRET.get()

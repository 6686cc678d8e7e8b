"""ETLE's deployment checks (``bersih check --deploy``)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def bank_secret_configured(app_configs=None, **kwargs) -> list:
    """Without the secret shared with the bank, every payment notification would be refused (401)."""
    if getattr(settings, "PRODUCTION", False) and not getattr(settings, "ETLE_BANK_SECRET", ""):
        return [
            Warning(
                "ETLE_BANK_SECRET is not set: the bank's payment notifications will all be refused.",
                hint="Set ETLE_BANK_SECRET to the secret agreed with the bank (docs/etle.md, Payment).",
                id="bersih.etle.W001",
            )
        ]
    return []

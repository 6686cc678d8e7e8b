"""The SIM service's deployment checks (``bersih check --deploy``)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def bank_secret_configured(app_configs=None, **kwargs) -> list:
    """Without the secret shared with the bank, every SIM fee notification would be refused (401) and
    applicants would wait at the payment stage."""
    if getattr(settings, "PRODUCTION", False) and not getattr(settings, "LICENSING_BANK_SECRET", ""):
        return [
            Warning(
                "LICENSING_BANK_SECRET is not set: the bank's SIM fee notifications will all be refused.",
                hint="Set LICENSING_BANK_SECRET to the secret agreed with the bank (docs/licensing.md, "
                "Paying the fee).",
                id="bersih.licensing.W001",
            )
        ]
    return []

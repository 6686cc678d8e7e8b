"""ETLE's scheduled work."""

from __future__ import annotations

from bersih.core.schedule import register_sweep

from . import rules
from .services.payments import refunds_to_treasury


def refunds_expired(now) -> dict:
    """Refunds not claimed within ``rules.REFUND_CLAIM_PERIOD`` go to the state treasury."""
    return refunds_to_treasury(now)


register_sweep("etle.refunds_to_treasury", rules.REFUND_SWEEP_INTERVAL, refunds_expired)

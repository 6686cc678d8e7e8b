"""ETLE's scheduled work (found by ``core.schedule``). Each sweep is idempotent and bounded."""

from __future__ import annotations

from datetime import timedelta

from bersih.core.schedule import register_sweep

from . import rules
from .services import letters_due
from .services.payments import refunds_to_treasury

# The letter of every approved case still without one: a task lost at approval, a crashed worker, a
# case the owner handed to a named driver.
register_sweep("etle.letters", timedelta(minutes=5), letters_due)


def refunds_expired(now) -> dict:
    """Refunds not claimed within ``rules.REFUND_CLAIM_PERIOD`` go to the state treasury."""
    return refunds_to_treasury(now)


register_sweep("etle.refunds_to_treasury", rules.REFUND_SWEEP_INTERVAL, refunds_expired)

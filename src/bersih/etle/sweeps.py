"""ETLE's scheduled work (found by ``core.schedule``). Each sweep is idempotent and bounded.

* ``etle.letters``: the letter of every approved case still without one;
* ``etle.refunds_to_treasury``: refunds not claimed in time go to the state treasury;
* ``etle.deadlines``: the STNK block of cases past their confirmation or payment deadline.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from bersih.core.schedule import register_sweep
from bersih.ledger.services import SYSTEM

from . import rules
from .models import Violation
from .services import letters_due
from .services.blocking import deadline_block, deadline_candidates, deadline_paused
from .services.payments import refunds_to_treasury

# The letter of every approved case still without one: a task lost at approval, a crashed worker, a
# case the owner handed to a named driver.
register_sweep("etle.letters", timedelta(minutes=5), letters_due)


def refunds_expired(now) -> dict:
    """Refunds not claimed within ``rules.REFUND_CLAIM_PERIOD`` go to the state treasury."""
    return refunds_to_treasury(now)


register_sweep("etle.refunds_to_treasury", rules.REFUND_SWEEP_INTERVAL, refunds_expired)


def deadlines_apply(now: datetime) -> dict:
    """Block the STNK of cases late on ``now``'s day in WIB; at most ``DEADLINE_SWEEP_BATCH`` a run.

    Idempotent: a blocked case is no longer a candidate, and each case is judged again under its row
    lock. Paused cases are counted, not blocked. ``more`` says the next run has work left.
    """
    today = timezone.localdate(now)
    candidates = [qs.filter(pause_reason="") for qs in deadline_candidates(today)]
    summary = {rules.BLOCK_NOT_CONFIRMED: 0, rules.BLOCK_NOT_PAID: 0, "paused": deadline_paused(today)}
    budget = rules.DEADLINE_SWEEP_BATCH
    for queryset in candidates:
        if budget <= 0:
            break
        keys = list(queryset.order_by("pk").values_list("pk", flat=True)[:budget])
        for pk in keys:
            # Only the key: deadline_block reads and locks the row itself.
            row = deadline_block(actor=SYSTEM, violation=Violation(pk=pk), today=today)
            if row is not None:
                summary[row.reason] += 1
        budget -= len(keys)
    summary["more"] = budget <= 0 and any(queryset.exists() for queryset in candidates)
    return summary


register_sweep("etle.deadlines", rules.DEADLINE_SWEEP_INTERVAL, deadlines_apply)

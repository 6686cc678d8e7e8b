"""Periodic sweeps: idempotent jobs that modules register and ``bersih worker`` runs on a schedule.

A module registers its sweeps in a ``sweeps.py`` module (found automatically) with::

    register_sweep("etle.deadlines", timedelta(minutes=10), etle_deadlines_sweep)

where the callable takes ``now`` and answers a short summary (a dict or a string). A sweep must be
idempotent (running it twice changes nothing the second time) and records each automatic action as a
ledger entry by the system actor (``bersih.ledger.services.SYSTEM``).

Runs are tracked in the ``SweepRun`` table (kept in the notify app beside the outbox, the other piece
of worker machinery). A run is claimed with one conditional UPDATE, so with several workers a sweep runs
at most once per interval and never twice at the same time, on SQLite and PostgreSQL alike. A worker that
dies in a sweep holds it only until ``SWEEP_LEASE`` passes.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

logger = logging.getLogger(__name__)

SWEEP_LEASE = timedelta(minutes=30)


@dataclass(frozen=True)
class Sweep:
    name: str
    interval: timedelta
    function: Callable[[datetime], object]


_SWEEPS: dict[str, Sweep] = {}
_discovered = False


def register_sweep(name: str, interval: timedelta, function: Callable[[datetime], object]) -> None:
    if "." not in name:
        raise ValueError("a sweep name is dotted: '<app>.<what>'")
    if interval <= timedelta(0):
        raise ValueError("a sweep's interval must be positive")
    _SWEEPS[name] = Sweep(name, interval, function)


def registered_sweeps() -> dict[str, Sweep]:
    global _discovered
    if not _discovered:
        autodiscover_modules("sweeps")
        _discovered = True
    return dict(_SWEEPS)


def claim_sweep(sweep: Sweep, now: datetime) -> bool:
    """True if this process may run ``sweep`` now (its interval has passed and nobody is running it)."""
    from bersih.notify.models import SweepRun

    if not SweepRun.objects.filter(name=sweep.name).exists():
        try:
            with transaction.atomic():
                SweepRun.objects.create(name=sweep.name)
        except IntegrityError:
            pass  # another worker created it first
    claimed = (
        SweepRun.objects.filter(name=sweep.name)
        .filter(Q(last_started__isnull=True) | Q(last_started__lte=now - sweep.interval))
        .filter(Q(running_until__isnull=True) | Q(running_until__lt=now))
        .update(last_started=now, running_until=now + SWEEP_LEASE)
    )
    return bool(claimed)


def run_sweep(sweep: Sweep, now: datetime) -> tuple[bool, str]:
    """Run one claimed sweep and record how it ended (a failing sweep does not stop the others)."""
    from django.db.models import F

    from bersih.notify.models import SweepRun

    try:
        result, ok = sweep.function(now), True
    except Exception:
        logger.exception("sweep %s failed", sweep.name)
        result, ok = traceback.format_exc(limit=5), False
    summary = str(result)[:4000]
    SweepRun.objects.filter(name=sweep.name).update(
        last_finished=timezone.now(), running_until=None, last_result=summary, last_ok=ok, runs=F("runs") + 1
    )
    return ok, summary


def run_due_sweeps(now: datetime | None = None, *, only: set[str] | None = None) -> dict[str, str]:
    """Run every registered sweep whose interval has passed; answers {name: summary} of those run."""
    now = now or timezone.now()
    ran: dict[str, str] = {}
    for name, sweep in sorted(registered_sweeps().items()):
        if only is not None and name not in only:
            continue
        if not claim_sweep(sweep, now):
            continue
        _ok, summary = run_sweep(sweep, now)
        ran[name] = summary
    return ran

"""Test and demo helpers: a Satpas with a counter per stage, clerks on shift, applicants."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

from django.utils import timezone

from . import rules
from .models import Counter, CounterShift

# Valid-looking NIKs (region 3275 Kota Bekasi, a birth date, a serial) for applicants in tests and demos.
NIK_BASE = "327501"


def nik_for(n: int, birth: date = date(1990, 5, 17)) -> str:
    """A well-formed NIK for applicant ``n`` (unique per n below 10,000)."""
    return f"{NIK_BASE}{birth:%d%m%y}{n + 1:04d}"


def make_counters(unit, stages=None) -> dict[str, Counter]:
    """One counter per stage, numbered in stage order (the payment stage has none: the bank serves it)."""
    stages = stages or [s for s in rules.STAGE_ORDER if s != rules.PAYMENT_STAGE]
    return {
        stage: Counter.objects.get_or_create(unit=unit, number=n, defaults={"stage": stage})[0]
        for n, stage in enumerate(stages, start=1)
    }


def staff(counter: Counter, clerk, day: date | None = None) -> CounterShift:
    """Put ``clerk`` on ``counter`` for ``day`` directly (tests of the shift service use the service)."""
    return CounterShift.objects.create(
        counter=counter, clerk=clerk, day=day or timezone.localdate(), assigned_at=timezone.now()
    )


def satpas(unit, make_user, *, prefix: str = "loket", extra_counters: int = 0) -> SimpleNamespace:
    """A Satpas with a counter per stage, a clerk on each today, a supervisor and an outside clerk."""
    counters = make_counters(unit)
    clerks = {}
    for stage, counter in counters.items():
        clerk = make_user(f"{prefix}-{stage}", "counter_clerk", unit, language="en")
        staff(counter, clerk)
        clerks[stage] = clerk
    extra = []
    for n in range(extra_counters):
        counter = Counter.objects.create(unit=unit, number=len(counters) + n + 1, stage="registration")
        clerk = make_user(f"{prefix}-extra-{n}", "counter_clerk", unit, language="en")
        staff(counter, clerk)
        extra.append(SimpleNamespace(counter=counter, clerk=clerk))
    return SimpleNamespace(
        unit=unit,
        counters=counters,
        clerks=clerks,
        extra=extra,
        supervisor=make_user(f"{prefix}-kasatpas", "supervisor", unit, language="en"),
    )

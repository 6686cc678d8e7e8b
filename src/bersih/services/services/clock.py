"""SLA clocks: what entering a step does to the case's running clock (see ``rules.Step.clock``)."""

from __future__ import annotations

from datetime import datetime

from bersih.core.calendar import deadline

from .. import rules


def clock_for_step(step: rules.Step, now: datetime, clock: str, due_at: datetime | None):
    """(clock name, due time) after entering ``step`` at ``now``: a new clock starts, the running one
    is kept, or the clock stops (waiting for the citizen, or finished)."""
    if step.clock == rules.KEEP:
        return clock, due_at
    if step.clock is rules.STOP:
        return "", None
    return step.clock.name, deadline(now, step.clock.amount, step.clock.unit)

"""Statistics of a Satpas: waiting and service time distributions, per-hour buckets, the standard's
share, served per day; computed in the database in a fixed number of queries."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from bersih.licensing import services, statistics

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_messages")]

WIB = ZoneInfo("Asia/Jakarta")


def at(hour, minute=0, second=0):
    return datetime.combine(timezone.localdate(), time(hour), tzinfo=WIB) + timedelta(
        minutes=minute, seconds=second
    )


def serve(sim, stage, called, finished, counter=None, clerk=None):
    counter = counter or sim.counters[stage]
    clerk = clerk or sim.clerks[stage]
    entry = services.line_call_next(actor=clerk, counter=counter, now=called)
    services.line_finish(actor=clerk, entry=entry, now=finished)
    return entry


def test_smoke(sim, walk_in):
    for i in range(10):
        walk_in(i, now=at(8, i))
    for i in range(10):
        call = at(8, 4 * i + 3)
        serve(sim, "registration", call, call + timedelta(minutes=2))
    today = timezone.localdate()
    data = statistics.statistics(sim.unit, start=today, end=today)
    print(data["waits"])
    print(data["services"])
    print(data["days"])

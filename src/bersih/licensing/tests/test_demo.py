"""The demo Satpas: counters staffed today, yesterday's full day and today's partial one, consistent."""

from __future__ import annotations

import pytest
from django.utils import timezone

from bersih.licensing import demo, simulation
from bersih.licensing.models import BoardEvent, Counter, CounterShift, LineEntry, Ticket

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def world(settings, tmp_path):
    from bersih.core import demo as core_demo

    settings.VAR_DIR = tmp_path
    world = core_demo.new_world(7, log=lambda *_: None)
    core_demo.seed(world)
    demo.seed(world)
    return world


def test_the_demo_satpas_is_staffed_with_a_full_previous_day_and_a_partial_today(world):
    unit = world.units[demo.SATPAS]
    today = timezone.localdate()
    counters = Counter.objects.filter(unit=unit)
    assert counters.filter(stage="registration").count() == 2
    assert counters.filter(stage="documents").count() == 2
    stages = set(counters.values_list("stage", flat=True))
    assert stages == {
        "registration",
        "documents",
        "theory",
        "practical",
        "biometrics",
        "printing",
        "handover",
    }
    shifts = CounterShift.objects.filter(counter__unit=unit, day=today).select_related("clerk", "counter")
    assert shifts.count() == counters.count()
    assert {s.clerk.username for s in shifts} == {f"loket{n}" for n in range(1, 13)}
    # The kiosk account issues tickets and is on no counter.
    assert not CounterShift.objects.filter(clerk__username="kiosk").exists()
    assert Ticket.objects.filter(day=today, issued_by__username="kiosk").exists()

    # The previous working day ran in full and today partly (one test: seeding takes a while).
    previous = demo.previous_working_day(today)
    before = Ticket.objects.filter(unit=unit, day=previous)
    assert before.count() >= demo.PREVIOUS_DAY_APPLICANTS
    assert not before.filter(state__in=Ticket.OPEN_STATES).exists()  # the sweep closed the rest
    assert before.filter(state=Ticket.DONE).count() > demo.PREVIOUS_DAY_APPLICANTS // 2
    assert simulation.check_day(unit, previous) == []
    assert simulation.check_day(unit, today) == []
    # Today people wait at several stages, and the board has something to show.
    waiting = LineEntry.objects.filter(unit=unit, day=today, state=LineEntry.WAITING)
    assert len(set(waiting.values_list("stage", flat=True))) >= 2
    assert BoardEvent.objects.filter(unit=unit, at__date__gte=previous).exists()
    # Nothing today lies in the future.
    assert not Ticket.objects.filter(day=today, issued_at__gt=timezone.now()).exists()

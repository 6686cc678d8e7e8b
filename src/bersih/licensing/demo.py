"""Demo SIM queue: the Bekasi Satpas with its counters (two each for registration and documents, three
seats for the theory test, two for the practical), a clerk on each counter today, a kiosk account, the
previous working day replayed in full and today partly run, so the board, the counter screens, the
statistics and the integrity signals show real-looking data. Everything goes through the services,
on the simulated clock of ``licensing.simulation``.

Accounts (printed by ``bersih demo`` with the other demo accounts): ``loket1`` … ``loket12`` on the
counters in number order, ``kiosk`` at the ticket kiosk, ``kasatpas`` the supervisor.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.utils import timezone

from . import simulation
from .services.expiry import licensing_expire

SATPAS = "bks-satpas"
PREVIOUS_DAY_APPLICANTS = 120
# Today: this many applicants an hour of the morning already run, at least TODAY_MINIMUM.
TODAY_PER_HOUR = 20
TODAY_MINIMUM = 30
# The latest arrivals: walk-ins who took their number in the last minutes, still waiting at
# registration, so the board and the first counters have a line whatever the hour the demo starts.
LATE_ARRIVALS = 5
# The clerk whose documents checks are abnormally short (an integrity signal): loket4, the second
# documents counter.
SHORT_CLERK = "loket4"


def previous_working_day(day):
    day -= timedelta(days=1)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def today_window(now: datetime) -> tuple[datetime, datetime]:
    """When today's replay starts and stops: from the Satpas's opening (or three hours ago, at night)
    to now, so that nothing in the demo lies in the future."""
    day = timezone.localdate(now)
    opening = timezone.make_aware(datetime.combine(day, simulation.DAY_OPENS))
    if opening < now - timedelta(minutes=30):
        start = opening
    else:
        midnight = timezone.make_aware(datetime.combine(day, time(0, 1)))
        start = max(midnight, now - timedelta(hours=3))
    return start, now


def seed(world) -> None:
    from bersih.core.models import User

    unit = world.units.get(SATPAS)
    kiosk = world.users.get("kiosk")
    supervisor = world.users.get("kasatpas")
    if unit is None or kiosk is None or supervisor is None:
        return
    counters = simulation.ensure_counters(unit)
    clerks = sorted(
        User.objects.filter(
            assignments__role="counter_clerk", assignments__unit=unit, username__startswith="loket"
        ),
        key=lambda u: int(u.username.removeprefix("loket")),
    )
    short = world.users.get(SHORT_CLERK)
    now = timezone.now()
    today = timezone.localdate(now)
    previous = previous_working_day(today)

    simulation.staff_day(unit, previous, clerks, supervisor=supervisor)
    report = simulation.simulate_day(
        unit=unit,
        day=previous,
        applicants=PREVIOUS_DAY_APPLICANTS,
        seed=world.seed,
        kiosk=kiosk,
        supervisor=supervisor,
        short_clerk=short,
        faker=world.faker,
    )
    # The night's sweep: what was still open when the previous day ended expires.
    swept = licensing_expire(now)

    simulation.staff_day(unit, today, clerks, supervisor=supervisor)
    start, end = today_window(now)
    hours = (end - start).total_seconds() / 3600
    today_report = simulation.simulate_day(
        unit=unit,
        day=today,
        applicants=max(TODAY_MINIMUM, int(TODAY_PER_HOUR * hours)),
        seed=world.seed,
        kiosk=kiosk,
        supervisor=supervisor,
        short_clerk=short,
        start=start,
        end=max(start + timedelta(minutes=1), end - timedelta(minutes=5)),
        until=end,
        faker=world.faker,
    )
    _late_arrivals(unit, kiosk, end, world.faker)
    world.log(
        f"licensing: {len(counters)} counters; {previous}: {report.tickets} tickets "
        f"({swept['tickets']} left open expired overnight); today: {today_report.tickets} tickets so far"
    )


def _late_arrivals(unit, kiosk, now: datetime, faker) -> None:
    """``LATE_ARRIVALS`` walk-ins at the kiosk in the last minutes before ``now``, through the services."""
    from datetime import date

    from . import services
    from .models import Application
    from .testing import nik_for

    birth = date(1986, 2, 14)
    n = 9000
    for arrival in range(LATE_ARRIVALS):
        while Application.objects.filter(nik=nik_for(n, birth=birth)).exists():
            n += 1
        midnight = timezone.make_aware(datetime.combine(timezone.localdate(now), time(0, 1)))
        at = max(midnight, now - timedelta(seconds=30 * (LATE_ARRIVALS - arrival)))
        application = services.application_register(
            actor=kiosk,
            unit=unit,
            nik=nik_for(n, birth=birth),
            full_name=faker.name(),
            birth_date=birth,
            service="renewal" if arrival % 2 else "new",
            sim_class="C",
            now=at,
        )
        services.ticket_issue(actor=kiosk, application=application, now=at)

"""Integrity signals: what the other modules raise, in one place for oversight, with weekly trends and
links to the records. Every figure comes from its module's selectors:

* the SIM queue (``licensing.statistics.integrity``): served out of order, one phone or e-mail for
  several applicants (a broker's sign), abnormally short services, tickets re-issued to one NIK;
* ETLE (``etle.selectors.decision_rates``): rejections and corrections per officer;
* Sipmas (``services.monitoring_selectors``): pungli and misconduct reports, breached service times.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db.models import Count
from django.urls import reverse


def signals(user, *, start: date, end: date, now: datetime) -> dict:
    from bersih.etle.selectors import decision_rates
    from bersih.licensing import statistics as sim
    from bersih.licensing.models import LineEntry
    from bersih.services.monitoring_selectors import WeekIndex, cases, day_bounds, overview, week_start

    period = f"?start={start.isoformat()}&end={end.isoformat()}"
    queues = []
    for unit in sim.satpas_units(user):
        found = sim.integrity(unit, start=start, end=end)
        queues.append(
            {
                "unit": unit,
                "out_of_order": found["out_of_order"]["total"],
                "shared_contacts": len(found["shared_contacts"]),
                "short_services": len(found["short_services"]),
                "reissued": len(found["reissued"]),
                "link": reverse("licensing:integrity") + period + f"&satpas={unit.code}",
            }
        )
    etle = [row for row in decision_rates(user) if row["rejected"] or row["corrected"]]
    view = overview(user, start=start, end=end, now=now)
    sensitive = cases(user, start, end).filter(category__in=("pungli", "misconduct"))
    first_monday = week_start(start)
    origin = day_bounds(first_monday, first_monday)[0]
    reports_by_week = dict(
        sensitive.annotate(week=WeekIndex("submitted_at", origin))
        .values_list("week")
        .annotate(n=Count("id"))
        .order_by()
    )
    low, high = day_bounds(start, end)
    satpas = list(sim.satpas_units(user).values_list("pk", flat=True))
    overrides_by_week = dict(
        LineEntry.objects.filter(
            out_of_order=True, called_at__gte=low, called_at__lt=high, counter__unit_id__in=satpas
        )
        .annotate(week=WeekIndex("called_at", origin))
        .values_list("week")
        .annotate(n=Count("id"))
        .order_by()
    )
    weeks = []
    for row in view["by_week"]:
        index = (row["key"] - first_monday).days // 7
        weeks.append(
            {
                "week": row["key"],
                "breached": row["breached"],
                "reports": reports_by_week.get(index, 0),
                "overrides": overrides_by_week.get(index, 0),
            }
        )
    return {
        "queues": queues,
        "etle": etle,
        "reports": sensitive.count(),
        "reports_open": sensitive.filter(closed_at__isnull=True).count(),
        "breached": view["totals"].get("breached", 0),
        "breached_cases": view["breached_cases"],
        "weeks": weeks,
        "links": {
            "reports": reverse("services:cases") + "?category=pungli",
            "breached": reverse("services:monitor-items") + period + "&module=sipmas&figure=breached",
            "late": reverse("services:late"),
            "etle": reverse("etle:review-oversight"),
        },
    }


def default_period(today: date) -> tuple[date, date]:
    return today - timedelta(weeks=12) + timedelta(days=1), today

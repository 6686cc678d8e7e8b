"""Reads of the integrity zone shared by pages, reports and the assessment: survey results computed in
the database (one GROUP BY over the answers), turned into NRR, IKM, IPAK and IPKP here."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from django.db.models import Count, Sum

from bersih.core.models import Unit

from .indices import ikm, ikm_grade, index_on_four, instruments
from .models import SurveyAnswer


@dataclass(frozen=True)
class SurveyResult:
    instrument: str
    key: tuple  # the grouping values (e.g. service, month)
    respondents: int
    nrr: dict[str, Fraction]  # item -> mean score
    index: Fraction  # IKM (25-100) for the SKM; the 4-point index for IPAK and IPKP

    @property
    def grade(self) -> str:
        return ikm_grade(self.index)[0] if self.instrument == "skm" else ""


def survey_results(
    *,
    instrument: str,
    group_by: tuple[str, ...] = ("service", "month"),
    services: list[str] | None = None,
    units: list[int] | None = None,
    since: date | None = None,
    until: date | None = None,
) -> list[SurveyResult]:
    """The instrument's results per group (any of service, unit_id, month): sums and counts per item
    come from the database; the indices are exact fractions computed from them."""
    spec = instruments()[instrument]
    rows = SurveyAnswer.objects.filter(instrument=instrument)
    if services:
        rows = rows.filter(service__in=services)
    if units:
        rows = rows.filter(unit_id__in=units)
    if since:
        rows = rows.filter(month__gte=since)
    if until:
        rows = rows.filter(month__lte=until)
    totals = rows.values(*group_by, "item").annotate(total=Sum("score"), n=Count("id")).order_by()
    groups: dict[tuple, dict[str, tuple[int, int]]] = defaultdict(dict)
    for row in totals:
        groups[tuple(row[k] for k in group_by)][row["item"]] = (row["total"], row["n"])
    results = []
    for key in sorted(groups, key=lambda k: tuple(str(v) for v in k)):
        items = groups[key]
        nrr = {item: Fraction(total, n) for item, (total, n) in items.items()}
        respondents = max(n for _total, n in items.values())
        if instrument == "skm":
            if len(nrr) != len(spec.item_codes):
                continue  # an instrument changed mid-way: a group without every element has no IKM
            index = ikm([nrr[item] for item in spec.item_codes])
        else:
            index = index_on_four(spec, sum(nrr.values(), Fraction(0)) / len(nrr))
        results.append(SurveyResult(instrument, key, respondents, nrr, index))
    return results


def latest_ikm_per_service(months: int = 12) -> list[dict]:
    """Per service, the SKM over the last ``months`` months: IKM, grade, respondents, and the
    Krejcie-Morgan sample for the service's volume of finished services in that time."""
    from datetime import timedelta

    from django.utils import timezone

    from .indices import krejcie_morgan

    today = timezone.localdate()
    since = (today.replace(day=1) - timedelta(days=31 * (months - 1))).replace(day=1)
    results = survey_results(instrument="skm", group_by=("service",), since=since)
    volumes = service_volumes(units=None, since=since, until=today)
    rows = []
    for result in results:
        (service,) = result.key
        population = volumes.get(service)
        rows.append(
            {
                "service": service,
                "ikm": float(result.index),
                "grade": result.grade,
                "respondents": result.respondents,
                "population": population,
                "sample_needed": krejcie_morgan(population) if population else None,
                "sample_met": bool(population) and result.respondents >= krejcie_morgan(population),
            }
        )
    return rows


def survey_overview(*, units: list[int] | None, since: date, until: date) -> dict:
    """The staff survey page's figures for a period: per service the SKM (NRR per element, IKM, grade,
    respondents, the sample its volume needs), IPAK and IPKP, and the latest suggestions."""

    from .indices import krejcie_morgan
    from .models import SurveyResponse

    spec = instruments()["skm"]
    skm = survey_results(instrument="skm", group_by=("service",), units=units, since=since, until=until)
    ipak = {
        r.key[0]: r
        for r in survey_results(
            instrument="ipak", group_by=("service",), units=units, since=since, until=until
        )
    }
    ipkp = {
        r.key[0]: r
        for r in survey_results(
            instrument="ipkp", group_by=("service",), units=units, since=since, until=until
        )
    }
    volumes = service_volumes(units=units, since=since, until=until)
    rows = []
    for result in skm:
        (service,) = result.key
        population = volumes.get(service)
        rows.append(
            {
                "service": service,
                "skm": result,
                "elements": [(item["element"], result.nrr.get(item["code"])) for item in spec.items],
                "ipak": ipak.get(service),
                "ipkp": ipkp.get(service),
                "population": population,
                "sample_needed": krejcie_morgan(population) if population else None,
            }
        )
    by_unit = survey_results(instrument="skm", group_by=("unit_id",), units=units, since=since, until=until)
    names = dict(Unit.objects.filter(pk__in=[r.key[0] for r in by_unit]).values_list("pk", "name"))
    suggestions = SurveyResponse.objects.filter(month__gte=since.replace(day=1), month__lte=until).exclude(
        suggestion=""
    )
    if units is not None:
        suggestions = suggestions.filter(unit_id__in=units)
    return {
        "rows": rows,
        "by_unit": [{"unit": names.get(r.key[0], r.key[0]), "skm": r} for r in by_unit],
        "suggestions": list(
            suggestions.order_by("-submitted_at").values("service", "suggestion", "submitted_at")[:50]
        ),
    }


def service_volumes(*, units: list[int] | None, since: date, until: date) -> dict[str, int]:
    """How many services each survey's service finished in the period (the population whose sample the
    survey needs): Sipmas cases closed, SIM applications handed over, ETLE tickets paid."""
    from bersih.etle.models import Violation
    from bersih.licensing.models import Application
    from bersih.services.models import Case

    cases = Case.objects.filter(closed_at__date__gte=since, closed_at__date__lte=until)
    sims = Application.objects.filter(
        status=Application.COMPLETED, closed_at__date__gte=since, closed_at__date__lte=until
    )
    tickets = Violation.objects.filter(
        status=Violation.PAID, first_captured_at__date__gte=since, first_captured_at__date__lte=until
    )
    if units is not None:
        cases, sims, tickets = (
            cases.filter(unit_id__in=units),
            sims.filter(unit_id__in=units),
            tickets.filter(unit_id__in=units),
        )
    volumes = dict(cases.values_list("service").annotate(n=Count("id")).order_by())
    volumes["sim"] = sims.count()
    volumes["etle"] = tickets.count()
    return {service: n for service, n in volumes.items() if n}

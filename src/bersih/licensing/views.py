"""SIM service pages. No business logic: parse, call the service or selector, render or redirect."""

from __future__ import annotations

import io

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from bersih.core import charts

from . import exports, rules, selectors
from .forms import StatisticsPeriodForm

# --- Statistics and integrity signals --------------------------------------------------------------


def _statistics_scope(request: HttpRequest):
    """The Satpas asked for (``?satpas=<code>``, else the person's first) among those in their scope,
    and the period form: (units, unit or None, form, start, end, status). A Satpas outside the scope
    answers 404; a bad period shows the default one with status 400."""
    if not request.user.has_perm("licensing.view_statistics"):
        raise PermissionDenied
    units = list(selectors.satpas_units(request.user))
    code = request.GET.get("satpas", "")
    if code:
        unit = next((u for u in units if u.code == code), None)
        if unit is None:
            raise Http404("no such Satpas in scope")
    else:
        unit = units[0] if units else None
    start, end = selectors.default_period()
    query = {key: value for key, value in request.GET.items() if key in ("satpas", "start", "end")}
    if query:  # what is not asked for keeps its default: the first Satpas, the last week
        query.setdefault("satpas", unit.code if unit else "")
        query.setdefault("start", start.isoformat())
        query.setdefault("end", end.isoformat())
    initial = {"satpas": unit.code if unit else "", "start": start, "end": end}
    form = StatisticsPeriodForm(query or None, initial=initial, units=units)
    status = 200
    if form.is_bound:
        if form.is_valid():
            start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        else:
            status = 400
    return units, unit, form, start, end, status


def _minutes(seconds):
    return None if seconds is None else seconds / 60


def _in_minutes(rows: list[dict]) -> list[dict]:
    """The rows with their durations in minutes and the share within the standard in percent."""
    return [
        {
            **row,
            **{name: _minutes(row[name]) for name in ("mean", "p50", "p90", "max")},
            "within_percent": None if row["within_share"] is None else round(100 * row["within_share"], 1),
        }
        for row in rows
    ]


def _label_every(count: int) -> int:
    return max(1, -(-count // 10))


@login_required
@require_GET
def statistics_page(request: HttpRequest) -> HttpResponse:
    """Waiting and service times of a Satpas as distributions, the applicants served per day and the
    share within the service standard."""
    units, unit, form, start, end, status = _statistics_scope(request)
    context = {"units": units, "unit": unit, "form": form, "start": start, "end": end}
    if unit is not None:
        data = selectors.statistics(unit, start=start, end=end)
        waits, services = data["waits"], data["services"]
        overall_wait = waits["overall"][0]["buckets"] if waits["overall"] else [0] * len(data["wait_buckets"])
        overall_service = (
            services["overall"][0]["buckets"] if services["overall"] else [0] * len(data["service_buckets"])
        )
        hours = {row["key"]: row for row in waits["hour"]}
        hour_range = range(min(hours), max(hours) + 1) if hours else range(0)
        days = [(f"{day['day']:%d/%m}", day["served"]) for day in data["days"]]
        context.update(
            {
                "data": data,
                "waits": {dim: _in_minutes(rows) for dim, rows in waits.items()},
                "services": {dim: _in_minutes(rows) for dim, rows in services.items()},
                "stage_sla_percent": _percent(data["sla"]["stage_share"]),
                "visit_sla_percent": _percent(data["sla"]["visit_share"]),
                "wait_chart": charts.columns(list(zip(data["wait_buckets"], overall_wait, strict=True))),
                "service_chart": charts.columns(
                    list(zip(data["service_buckets"], overall_service, strict=True))
                ),
                "stage_chart": charts.horizontal(
                    [(row["label"], round(_minutes(row["p90"]) or 0)) for row in waits["stage"]]
                ),
                "hour_chart": charts.columns(
                    [
                        (f"{hour:02d}", round(_minutes(hours[hour]["p50"]) or 0) if hour in hours else 0)
                        for hour in hour_range
                    ]
                ),
                "day_chart": charts.columns(days, label_every=_label_every(len(days))),
            }
        )
    return render(request, "licensing/statistics.html", context, status=status)


def _percent(share):
    return None if share is None else round(100 * share, 1)


@login_required
@require_GET
def statistics_csv(request: HttpRequest) -> HttpResponse:
    """The statistics page's figures as CSV (durations in seconds)."""
    _units, unit, form, start, end, status = _statistics_scope(request)
    if unit is None:
        raise Http404("no Satpas in scope")
    if status != 200:
        return HttpResponse(
            " ".join(str(error) for error in form.non_field_errors() or [_("Invalid period.")]),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    handle = io.StringIO()
    exports.write_csv(handle, selectors.statistics(unit, start=start, end=end))
    response = HttpResponse(handle.getvalue(), content_type="text/csv; charset=utf-8")
    name = f"sim-statistics-{unit.code}-{start:%Y%m%d}-{end:%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_GET
def integrity_page(request: HttpRequest) -> HttpResponse:
    """The integrity signals of a Satpas for oversight: out-of-order serves, shared contacts, abnormally
    short services and re-issued tickets."""
    units, unit, form, start, end, status = _statistics_scope(request)
    context = {"units": units, "unit": unit, "form": form, "start": start, "end": end}
    if unit is not None:
        context["signals"] = selectors.integrity(unit, start=start, end=end)
        context["short_thresholds"] = [
            (rules.STAGES[stage], seconds) for stage, seconds in rules.SHORT_SERVICE_SECONDS.items()
        ]
    return render(request, "licensing/integrity.html", context, status=status)

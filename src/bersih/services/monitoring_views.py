"""Leadership monitoring: every module's volume, backlog, SLA compliance, breached items with their
owners and the complaint follow-up in one view, with the items behind each figure. Thin: the figures
come from ``monitoring_selectors``."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from bersih.core import charts

from . import monitoring_selectors as selectors
from . import rules
from .monitoring_forms import MonitorItemsForm, MonitorPeriodForm

PERMISSION = "services.monitor_services"


def _require(request: HttpRequest) -> None:
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied


def _period(form, today):
    """The form's period, or the default one; and the status (400 when the period is malformed)."""
    start, end = selectors.default_period(today)
    if form.is_bound and form.is_valid():
        return form.cleaned_data["start"], form.cleaned_data["end"], 200
    return start, end, 400 if form.is_bound else 200


@login_required
def monitor(request: HttpRequest) -> HttpResponse:
    _require(request)
    today = timezone.localdate()
    start, end = selectors.default_period(today)
    params = request.GET if ("start" in request.GET or "end" in request.GET) else None
    form = MonitorPeriodForm(params, initial={"start": start, "end": end})
    start, end, status = _period(form, today)
    data = selectors.overview(request.user, start=start, end=end, now=timezone.now())
    weeks = [(f"{row['key']:%d/%m}", row["volume"]) for row in data["by_week"]]
    late_weeks = [(f"{row['key']:%d/%m}", row["breached"]) for row in data["by_week"]]
    every = max(1, len(weeks) // 13 + (1 if len(weeks) % 13 else 0)) if len(weeks) > 13 else 1
    context = {
        "form": form,
        "data": data,
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "week_chart": charts.columns(weeks, label_every=every),
        "late_week_chart": charts.columns(late_weeks, label_every=every),
        "unit_chart": charts.horizontal([(row["label"], row["volume"]) for row in data["by_unit"][:25]]),
        "late_unit_chart": charts.horizontal(
            [(row["label"], row["breached"]) for row in data["by_unit"][:25] if row["breached"]]
        ),
        "breached_cases": [_case_row(case) for case in data["breached_cases"]],
    }
    return render(request, "services/monitoring_overview.html", context, status=status)


def _case_url(tracking_number: str) -> str | None:
    try:  # the staff case page (the staff area's), where it is installed
        return reverse("services:case", args=[tracking_number])
    except NoReverseMatch:
        return None


def _case_row(case) -> dict:
    return {
        "tracking_number": case.tracking_number,
        "url": _case_url(case.tracking_number),
        "service": case.standard.name,
        "category": rules.COMPLAINT_CATEGORIES[case.category]["label"] if case.category else "",
        "status": case.step.label,
        "unit": case.unit.name,
        "officer": case.assignee.display_name if case.assignee_id else "",
        "submitted_at": case.submitted_at,
        "due_at": case.due_at,
        "closed_at": case.closed_at,
        "escalation_level": case.escalation_level,
        "late": getattr(case, "late", True),
    }


@login_required
def monitor_items(request: HttpRequest) -> HttpResponse:
    """The items behind one figure (a module, a figure, optionally a service, a unit or a week), in
    pages, in the person's scope only: a complaint about their own unit is never listed."""
    _require(request)
    today = timezone.localdate()
    start, end = selectors.default_period(today)
    params = request.GET.copy()  # the overview's default period unless the link gives one
    params.setdefault("start", start.isoformat())
    params.setdefault("end", end.isoformat())
    form = MonitorItemsForm(params)
    if not form.is_valid():
        return render(
            request, "services/monitoring_items.html", {"form": form, "page": None, "module": ""}, status=400
        )
    data = form.cleaned_data
    which = selectors.ItemFilter(
        module=data["module"],
        figure=data.get("figure") or "volume",
        service=data.get("service") or "",
        unit_id=data.get("unit"),
        week=data.get("week"),
    )
    queryset = selectors.items(
        request.user, start=data["start"], end=data["end"], now=timezone.now(), which=which
    )
    page = Paginator(queryset, selectors.ITEMS_PER_PAGE).get_page(request.GET.get("page"))
    rows = [_case_row(case) for case in page.object_list] if which.module == "sipmas" else page.object_list
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "module": which.module,
        "which": which,
        "figure_label": FIGURE_LABELS().get(which.figure, which.figure),
        "service_label": rules.SERVICES[which.service].name if which.service else "",
        "start": data["start"],
        "end": data["end"],
        "sim_standard_minutes": selectors.sim_standard_minutes(),
    }
    return render(request, "services/monitoring_items.html", context)


def FIGURE_LABELS() -> dict:
    return {
        "volume": _("All items"),
        "closed": _("Closed"),
        "backlog": _("Still open"),
        "met": _("Closed within the clock"),
        "breached": _("Breached"),
        "followed_up": _("Complaints followed up"),
        "followed_on_time": _("Complaints followed up within the SP4N deadlines"),
    }

"""The counter screen (the clerk) and the supervisors' pages (shifts, today's lines and serving out of
order). No business logic: parse, call the service, show its refusal as a message, redirect back.
Every page works without JavaScript; every act is a POST form with its CSRF token."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from . import counter_selectors as selectors
from . import rules, services
from .counter_forms import (
    CertificatesForm,
    FinishForm,
    OverrideForm,
    SendBackForm,
    ShiftForm,
    TransferForm,
    form_errors,
)
from .models import Counter, LineEntry


def _require(request: HttpRequest, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied


def _refusal(request: HttpRequest, exc: Exception) -> None:
    if isinstance(exc, ValidationError):
        messages.error(request, " ".join(exc.messages))
    else:
        messages.error(request, str(exc) or _("You may not do this."))


# --- The counter screen ---------------------------------------------------------------------------


@login_required
@require_GET
def counter(request: HttpRequest) -> HttpResponse:
    """The clerk's counter today: the applicant being served, the acts, the counter's day."""
    _require(request, "licensing.serve_counter")
    today = timezone.localdate()
    shift = selectors.shift_of(request.user, today)
    if shift is None:
        return render(request, "licensing/counter_none.html", {"today": today})
    here = shift.counter
    entry = selectors.serving(here)
    context = {
        "shift": shift,
        "counter": here,
        "stage_label": rules.STAGES[here.stage],
        "entry": entry,
        "day": selectors.counter_day(here, today),
        "recall_limit": rules.RECALL_LIMIT,
    }
    if entry is not None:
        application = entry.ticket.application
        context.update(
            application=application,
            recalls_left=max(rules.RECALL_LIMIT - entry.recalls, 0),
            may_fail=entry.stage in rules.TEST_STAGES,
            is_payment=entry.stage == rules.PAYMENT_STAGE,
            is_documents=entry.stage == services.certificates.DOCUMENTS_STAGE,
            payment=selectors.payment_of(entry),
            earlier_stages=selectors.earlier_stages(entry),
            transfer_targets=list(selectors.transfer_targets(here, today)),
            fee=application.fee,
        )
    return render(request, "licensing/counter.html", context)


@login_required
@require_POST
def counter_call(request: HttpRequest) -> HttpResponse:
    _require(request, "licensing.serve_counter")
    counter_id = request.POST.get("counter", "")
    if not counter_id.isdigit():
        messages.error(request, _("Choose a counter."))
        return redirect("licensing:counter")
    here = get_object_or_404(Counter.objects.restrict(request.user, "view"), pk=int(counter_id))
    try:
        entry = services.line_call_next(actor=request.user, counter=here)
    except (ValidationError, PermissionDenied) as exc:
        _refusal(request, exc)
    else:
        if entry is None:
            messages.info(request, _("Nobody is waiting in the line."))
        else:
            messages.success(
                request,
                _("Ticket %(label)s called to counter %(number)d.")
                % {"label": entry.ticket.label, "number": here.number},
            )
    return redirect("licensing:counter")


def _entry_in_scope(request: HttpRequest, entry_id: int) -> LineEntry:
    return get_object_or_404(
        LineEntry.objects.restrict(request.user, "view").select_related("ticket__application", "counter"),
        pk=entry_id,
    )


def _recall(request, entry):
    entry = services.line_recall(actor=request.user, entry=entry)
    return _("Ticket %(label)s called again (%(n)d of %(limit)d).") % {
        "label": entry.ticket.label,
        "n": entry.recalls,
        "limit": rules.RECALL_LIMIT,
    }


def _no_show(request, entry):
    entry = services.line_no_show(actor=request.user, entry=entry)
    if entry.state == LineEntry.WAITING:
        return _("Ticket %(label)s did not come: back of the line, once.") % {"label": entry.ticket.label}
    return _("Ticket %(label)s did not come: the ticket has expired.") % {"label": entry.ticket.label}


def _finish(request, entry):
    form = FinishForm(request.POST)
    if not form.is_valid():
        raise ValidationError(form_errors(form))
    entry = services.line_finish(actor=request.user, entry=entry, outcome=form.cleaned_data["outcome"])
    if entry.outcome == LineEntry.FAILED:
        return _("Ticket %(label)s failed the test: the visit ends.") % {"label": entry.ticket.label}
    return _("Ticket %(label)s finished this stage.") % {"label": entry.ticket.label}


def _send_back(request, entry):
    form = SendBackForm(request.POST, stages=selectors.earlier_stages(entry))
    if not form.is_valid():
        raise ValidationError(form_errors(form))
    stage = form.cleaned_data["to_stage"]
    services.line_send_back(
        actor=request.user, entry=entry, to_stage=stage, reason=form.cleaned_data["reason"]
    )
    return _("Ticket %(label)s sent back to %(stage)s.") % {
        "label": entry.ticket.label,
        "stage": rules.STAGES[stage],
    }


def _transfer(request, entry):
    counters = (
        selectors.transfer_targets(entry.counter, timezone.localdate())
        if entry.counter
        else Counter.objects.none()
    )
    form = TransferForm(request.POST, counters=counters)
    if not form.is_valid():
        raise ValidationError(form_errors(form))
    target = form.cleaned_data["counter"]
    services.line_transfer(actor=request.user, entry=entry, counter=target)
    return _("Ticket %(label)s handed to counter %(number)d.") % {
        "label": entry.ticket.label,
        "number": target.number,
    }


def _certificates(request, entry):
    form = CertificatesForm(request.POST)
    if not form.is_valid():
        raise ValidationError(form_errors(form))
    services.application_certificates_record(actor=request.user, entry=entry, **form.cleaned_data)
    return _("Certificates of ticket %(label)s recorded.") % {"label": entry.ticket.label}


COUNTER_ACTS = {
    "panggil-ulang": _recall,
    "tidak-hadir": _no_show,
    "selesai": _finish,
    "kembalikan": _send_back,
    "alihkan": _transfer,
    "sertifikat": _certificates,
}


@login_required
@require_POST
def counter_act(request: HttpRequest, entry_id: int, act: str) -> HttpResponse:
    _require(request, "licensing.serve_counter")
    handler = COUNTER_ACTS.get(act)
    if handler is None:
        raise Http404
    entry = _entry_in_scope(request, entry_id)
    try:
        message = handler(request, entry)
    except (ValidationError, PermissionDenied) as exc:
        _refusal(request, exc)
    else:
        messages.success(request, message)
    return redirect("licensing:counter")


# --- Supervisors: shifts ----------------------------------------------------------------------------


def _chosen_unit(request: HttpRequest, action: str, source):
    units = list(selectors.supervised_units(request.user, action))
    code = source.get("unit", "")
    if code:
        unit = next((u for u in units if u.code == code), None)
        if unit is None:
            raise Http404
        return unit, units
    return (units[0] if units else None), units


def _day(request: HttpRequest, value: str) -> date:
    today = timezone.localdate()
    if not value:
        return today
    try:
        return date.fromisoformat(value)
    except ValueError:
        messages.error(request, _("Give the day as YYYY-MM-DD."))
        return today


def _shifts_url(unit, day: date) -> str:
    query = {"day": day.isoformat()}
    if unit is not None:
        query["unit"] = unit.code
    return f"{reverse('licensing:shifts')}?{urlencode(query)}"


@login_required
def shifts(request: HttpRequest) -> HttpResponse:
    """Who staffs which counter on a day; a supervisor puts a clerk on a free counter."""
    _require(request, "licensing.staff_counter")
    if request.method == "POST":
        return _shift_assign(request)
    unit, units = _chosen_unit(request, "staff", request.GET)
    day = _day(request, request.GET.get("day", ""))
    context = {
        "unit": unit,
        "units": units,
        "day": day,
        "today": timezone.localdate(),
        "board": selectors.shift_board(request.user, unit, day) if unit else [],
        "clerks": list(selectors.clerks_of(unit, day)) if unit else [],
    }
    return render(request, "licensing/shifts.html", context)


def _shift_assign(request: HttpRequest) -> HttpResponse:
    counter_id = request.POST.get("counter", "")
    if not counter_id.isdigit():
        raise Http404
    here = get_object_or_404(
        Counter.objects.restrict(request.user, "staff").select_related("unit"), pk=int(counter_id)
    )
    day = _day(request, request.POST.get("day", ""))
    form = ShiftForm(
        request.POST,
        counters=Counter.objects.filter(pk=here.pk),
        clerks=selectors.clerks_of(here.unit, max(day, timezone.localdate())),
    )
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect(_shifts_url(here.unit, day))
    clerk = form.cleaned_data["clerk"]
    try:
        services.counter_shift_assign(
            actor=request.user, counter=here, clerk=clerk, day=form.cleaned_data["day"]
        )
    except (ValidationError, PermissionDenied) as exc:
        _refusal(request, exc)
    else:
        messages.success(
            request,
            _("%(name)s staffs counter %(number)d on %(day)s.")
            % {
                "name": clerk.full_name or clerk.get_username(),
                "number": here.number,
                "day": day.strftime("%d-%m-%Y"),
            },
        )
    return redirect(_shifts_url(here.unit, day))


# --- Supervisors: today's lines and serving out of order -------------------------------------------


@login_required
@require_GET
def lines(request: HttpRequest) -> HttpResponse:
    """Today's line of every stage, in order, with lane and waited time; serve one out of order."""
    _require(request, "licensing.override_counter")
    unit, units = _chosen_unit(request, "override", request.GET)
    now = timezone.now()
    context = {
        "unit": unit,
        "units": units,
        "now": now,
        "lines": selectors.lines_today(unit, now) if unit else [],
        "reason_min": services.line.OVERRIDE_REASON_MIN_LENGTH,
    }
    return render(request, "licensing/lines.html", context)


@login_required
@require_POST
def line_override(request: HttpRequest, entry_id: int) -> HttpResponse:
    _require(request, "licensing.override_counter")
    units = selectors.supervised_units(request.user, "override")
    entry = get_object_or_404(
        LineEntry.objects.select_related("ticket", "unit").filter(unit__in=units), pk=entry_id
    )
    back = f"{reverse('licensing:lines')}?{urlencode({'unit': entry.unit.code})}"
    counters = Counter.objects.restrict(request.user, "override").filter(unit=entry.unit, stage=entry.stage)
    form = OverrideForm(request.POST, counters=counters)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect(back)
    target = form.cleaned_data["counter"]
    try:
        services.line_override(
            actor=request.user, entry=entry, counter=target, reason=form.cleaned_data["reason"]
        )
    except (ValidationError, PermissionDenied) as exc:
        _refusal(request, exc)
    else:
        messages.success(
            request,
            _("Ticket %(label)s called to counter %(number)d out of order; the reason is recorded.")
            % {"label": entry.ticket.label, "number": target.number},
        )
    return redirect(back)

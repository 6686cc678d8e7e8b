"""SIM service pages: the hall's kiosk (walk-in tickets, check-in of bookings), the public online
booking, the staff's priority marking, statistics and integrity signals. No business logic: parse, call
the service or selector, render or redirect."""

from __future__ import annotations

import io

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bersih.core import charts, ratelimit
from bersih.core.tracking import InvalidTrackingNumber, parse

from . import exports, printing, rules, selectors, services
from .forms import ApplicantForm, BookingForm, CheckInForm, PriorityForm, StatisticsPeriodForm
from .models import Application

# The public booking form: this many submissions per client address per hour.
BOOKINGS_PER_HOUR = 10
BOOKING_SESSION_KEY = "licensing_booking"
PUBLIC_DUPLICATE_NIK = gettext_lazy(
    "This NIK already has an application in progress. Finish or cancel it at the Satpas before booking again."
)


def _require(request: HttpRequest, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied


def _kiosk_unit(request: HttpRequest, code: str, permission: str = "licensing.add_ticket"):
    _require(request, permission)
    unit = selectors.kiosk_unit(request.user, code)
    if unit is None:
        raise Http404
    return unit


def _choose_unit(request: HttpRequest, target: str, permission: str = "licensing.add_ticket") -> HttpResponse:
    """Straight to the Satpas of a one-Satpas account; a choice when the account's scope holds several."""
    _require(request, permission)
    units = list(selectors.kiosk_units(request.user))
    if len(units) == 1:
        return redirect(target, unit=units[0].code)
    return render(request, "licensing/kiosk_choose.html", {"units": units, "target": target})


def qr_svg(data: str, scale: int = 5) -> str:
    """The QR code of ``data`` as inline SVG markup (segno: no script, no external image)."""
    svg = segno.make(data, error="m").svg_inline(scale=scale, light="#fff", title=str(_("QR code")))
    return mark_safe(svg)  # noqa: S308 - markup segno drew from a string it encoded


def _errors(exc: ValidationError) -> list[str]:
    return list(exc.messages)


def _apply_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return
    field = {
        "nik_format": "nik",
        "nik_region": "nik",
        "nik_date": "nik",
        "nik_serial": "nik",
        "age": "birth_date",
        "name": "full_name",
        "slot": "slot",
        "slot_full": "slot",
        "day": "slot",
        "duplicate_nik": "nik",
    }.get(exc.code)
    form.add_error(field if field in form.fields else None, _errors(exc))


# --- The kiosk ---------------------------------------------------------------------------------------


@login_required
@require_GET
def kiosk_home(request: HttpRequest) -> HttpResponse:
    return _choose_unit(request, "licensing:kiosk")


@login_required
@require_GET
def kiosk_checkin_home(request: HttpRequest) -> HttpResponse:
    return _choose_unit(request, "licensing:kiosk-checkin")


def _kiosk_page(request, unit, form, status=200):
    return render(
        request,
        "licensing/kiosk.html",
        {"unit": unit, "form": form, "fees": rules.FEES, "citation": rules.FEE_CITATION},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def kiosk(request: HttpRequest, unit: str) -> HttpResponse:
    """A walk-in applicant: service and class, NIK, name, date of birth, phone → a ticket, printed."""
    unit = _kiosk_unit(request, unit)
    if request.method == "GET":
        return _kiosk_page(request, unit, ApplicantForm())
    form = ApplicantForm(request.POST)
    if not form.is_valid():
        return _kiosk_page(request, unit, form, status=400)
    data = form.cleaned_data
    try:
        application = services.application_register(
            actor=request.user,
            unit=unit,
            nik=data["nik"],
            full_name=data["full_name"],
            birth_date=data["birth_date"],
            service=data["service"],
            sim_class=data["sim_class"],
            phone=data["phone"],
        )
        ticket = services.ticket_issue(actor=request.user, application=application)
    except ValidationError as exc:
        _apply_errors(form, exc)
        return _kiosk_page(request, unit, form, status=400)
    return _print_and_show(request, ticket)


def _phone_url(request: HttpRequest, ticket) -> str:
    return request.build_absolute_uri(
        reverse("licensing:ticket-phone", kwargs={"token": ticket.public_token})
    )


def _print_and_show(request: HttpRequest, ticket) -> HttpResponse:
    """Print the issued ticket; whatever the printer does, the ticket page follows (with the fallback)."""
    try:
        outcome = "ok" if printing.ticket_print(ticket, _phone_url(request, ticket)) else "none"
    except printing.PrinterError:
        outcome = "failed"
    url = reverse("licensing:kiosk-ticket", kwargs={"unit": ticket.unit.code, "token": ticket.public_token})
    return redirect(f"{url}?cetak={outcome}")


@login_required
@require_GET
def kiosk_ticket(request: HttpRequest, unit: str, token: str) -> HttpResponse:
    """The issued ticket on the kiosk's screen: the number, service, stage, the QR to the phone page,
    and the print view / PDF when the thermal printer did not print it."""
    unit = _kiosk_unit(request, unit)
    ticket = selectors.kiosk_ticket(unit, token)
    if ticket is None:
        raise Http404
    outcome = request.GET.get("cetak", "")
    phone_url = _phone_url(request, ticket)
    context = {
        "unit": unit,
        "ticket": ticket,
        "application": ticket.application,
        "service": rules.SERVICE_KINDS[ticket.application.service],
        "sim_class": rules.SIM_CLASSES[ticket.application.sim_class],
        "stage": rules.STAGES[ticket.stage],
        "phone_url": phone_url,
        "qr_svg": qr_svg(phone_url, scale=4),
        "printed": outcome == "ok",
        "print_failed": outcome == "failed",
        "no_printer": outcome == "none",
        "paper_mm": _paper_mm(),
        "pungli": printing.pungli_report(),
    }
    return render(request, "licensing/kiosk_ticket.html", context)


def _paper_mm() -> int:
    return 58 if getattr(settings, "LICENSING_TICKET_PAPER_MM", 80) == 58 else 80


@login_required
@require_POST
def kiosk_ticket_reprint(request: HttpRequest, unit: str, token: str) -> HttpResponse:
    unit = _kiosk_unit(request, unit)
    ticket = selectors.kiosk_ticket(unit, token)
    if ticket is None:
        raise Http404
    return _print_and_show(request, ticket)


@login_required
@require_GET
def kiosk_ticket_pdf(request: HttpRequest, unit: str, token: str) -> HttpResponse:
    unit = _kiosk_unit(request, unit)
    ticket = selectors.kiosk_ticket(unit, token)
    if ticket is None:
        raise Http404
    slip = printing.TicketSlip.for_ticket(ticket, _phone_url(request, ticket))
    response = HttpResponse(printing.ticket_pdf(slip, width_mm=_paper_mm()), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="antrean-{ticket.label}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


def _checkin_page(request, unit, form, status=200):
    return render(request, "licensing/kiosk_checkin.html", {"unit": unit, "form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def kiosk_checkin(request: HttpRequest, unit: str) -> HttpResponse:
    """A booked applicant arrives: the tracking number, typed or scanned from the QR, gives the ticket."""
    unit = _kiosk_unit(request, unit)
    if request.method == "GET":
        return _checkin_page(request, unit, CheckInForm())
    form = CheckInForm(request.POST)
    if not form.is_valid():
        return _checkin_page(request, unit, form, status=400)
    try:
        number = str(parse(form.cleaned_data["tracking_number"]))
    except InvalidTrackingNumber as exc:
        form.add_error("tracking_number", str(exc))
        return _checkin_page(request, unit, form, status=400)
    try:
        ticket = services.application_check_in(actor=request.user, unit=unit, tracking_number=number)
    except ValidationError as exc:
        form.add_error("tracking_number", _errors(exc))
        status = 404 if exc.code == "not_found" else 409
        return _checkin_page(request, unit, form, status=status)
    return _print_and_show(request, ticket)


# --- Priority lane (staff) ---------------------------------------------------------------------------


@login_required
@require_GET
def priority_home(request: HttpRequest) -> HttpResponse:
    return _choose_unit(request, "licensing:priority", permission="licensing.mark_priority")


def _priority_page(request, unit, form, status=200):
    waiting = selectors.priority_marked_today(unit)
    return render(
        request, "licensing/priority.html", {"unit": unit, "form": form, "marked": waiting}, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def priority(request: HttpRequest, unit: str) -> HttpResponse:
    """A clerk moves a waiting ticket of today into the priority lane, with the reason."""
    unit = _kiosk_unit(request, unit, permission="licensing.mark_priority")
    if request.method == "GET":
        return _priority_page(request, unit, PriorityForm())
    form = PriorityForm(request.POST)
    if not form.is_valid():
        return _priority_page(request, unit, form, status=400)
    ticket = selectors.todays_ticket(unit, form.cleaned_data["label"])
    if ticket is None:
        form.add_error("label", _("No ticket with that number today at this Satpas."))
        return _priority_page(request, unit, form, status=404)
    try:
        services.ticket_mark_priority(actor=request.user, ticket=ticket, reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        form.add_error(None, _errors(exc))
        return _priority_page(request, unit, form, status=409)
    messages.success(
        request,
        _("%(label)s moved to the priority lane (%(reason)s).")
        % {"label": ticket.label, "reason": rules.PRIORITY_REASONS[form.cleaned_data["reason"]]},
    )
    return redirect("licensing:priority", unit=unit.code)


# --- Online booking (public) -------------------------------------------------------------------------


def _booking_page(request, unit, form, status=200):
    units = list(selectors.bookable_satpas())
    slots = selectors.slots(unit) if unit is not None else []
    days = {}
    for slot in slots:
        days.setdefault(slot.day, []).append(slot)
    context = {
        "units": units,
        "unit": unit,
        "form": form,
        "days": sorted(days.items()),
        "quota": rules.SLOT_QUOTA,
        "days_ahead": rules.BOOKING_DAYS_AHEAD,
    }
    return render(request, "licensing/booking.html", context, status=status)


@require_http_methods(["GET", "POST"])
def booking(request: HttpRequest) -> HttpResponse:
    """Book a day and an hour at a Satpas: no account, a tracking number and a confirmation message."""
    units = list(selectors.bookable_satpas())
    code = request.POST.get("satpas") if request.method == "POST" else request.GET.get("satpas")
    unit = next((u for u in units if u.code == code), None)
    if unit is None and len(units) == 1:
        unit = units[0]
    if code and unit is None:
        raise Http404
    slots = selectors.slots(unit) if unit is not None else []
    if request.method == "GET":
        form = BookingForm(units=units, slots=slots, initial={"satpas": unit.code if unit else ""})
        return _booking_page(request, unit, form)
    allowed = ratelimit.hit(
        f"sim-booking:ip:{ratelimit.client_ip(request)}", limit=BOOKINGS_PER_HOUR, window=3600
    )
    form = BookingForm(request.POST, units=units, slots=selectors.slots(unit) if unit else [])
    if not allowed.allowed:
        form.is_valid()
        form.add_error(None, _("Too many bookings from here. Try again in an hour."))
        response = _booking_page(request, unit, form, status=429)
        response["Retry-After"] = str(allowed.retry_after)
        return response
    if unit is None or not form.is_valid():
        return _booking_page(request, unit, form, status=400)
    data = form.cleaned_data
    day, slot = data["slot"]
    try:
        application = services.application_book(
            actor=services.APPLICANT,
            unit=unit,
            nik=data["nik"],
            full_name=data["full_name"],
            birth_date=data["birth_date"],
            service=data["service"],
            sim_class=data["sim_class"],
            booked_day=day,
            booked_slot=slot,
            phone=data["phone"],
            email=data["email"],
            language=get_language() or "id",
        )
    except ValidationError as exc:
        if getattr(exc, "code", None) == "duplicate_nik":
            # A public page: the NIK's other application is not named (with the NIK, its number
            # would open that application's public timeline).
            exc = ValidationError(PUBLIC_DUPLICATE_NIK, code="duplicate_nik")
        _apply_errors(form, exc)
        return _booking_page(request, unit, form, status=400)
    request.session[BOOKING_SESSION_KEY] = application.tracking_number
    return redirect("licensing:booking-done")


@require_GET
def booking_done(request: HttpRequest) -> HttpResponse:
    """The confirmation, shown once to the browser that booked: the number, its QR, the day and slot."""
    number = request.session.get(BOOKING_SESSION_KEY)
    application = (
        Application.objects.filter(tracking_number=number).select_related("unit").first() if number else None
    )
    if application is None:
        return redirect("licensing:booking")
    context = {
        "application": application,
        "service": rules.SERVICE_KINDS[application.service],
        "sim_class": rules.SIM_CLASSES[application.sim_class],
        "qr_svg": qr_svg(application.tracking_number),
        "channels": [
            label
            for label, present in (
                (_("SMS and WhatsApp"), bool(application.phone)),
                (_("e-mail"), bool(application.email)),
            )
            if present
        ],
        "early": rules.CHECKIN_EARLY_MINUTES,
        "late": rules.CHECKIN_LATE_MINUTES,
    }
    return render(request, "licensing/booking_done.html", context)


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

"""The public service catalogue (every service with its published standard, and the hall's poster), the
online request forms of the Sipmas services, and the counter intake of the responsible units' staff.

No business logic: parse, call the selector or ``services.case_submit``, render. The tracking number
and the secret of a new case are shown once: they wait in the session until the receipt page is drawn,
and the secret is dropped from it then.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from bersih.core import errorpages, ratelimit
from bersih.core import rules as core_rules
from bersih.licensing.views import qr_svg

from . import catalogue_poster as poster
from . import catalogue_selectors as selectors
from . import rules
from .catalogue_forms import RequestForm
from .models import Case
from .services import CITIZEN, case_submit

DONE_SESSION_KEY = "services_request_done"
COUNTER_SESSION_KEY = "services_counter_done"
COUNTER_PERMISSION = "services.counter_intake"
# The one tracking page of every module (its form takes ?nomor=).
TRACKING_PATH = "/lacak/"


def intake_rate_key(request: HttpRequest) -> str:
    """The public intake's rate-limit key of the caller's address (requests and complaints alike)."""
    return f"services-intake:ip:{ratelimit.client_ip(request)}"


def _standard(code: str) -> rules.ServiceStandard:
    standard = rules.SERVICES.get(code)
    if standard is None:
        raise Http404("no such service")
    return standard


def _polres(request: HttpRequest):
    """(every Polres, the one asked for with ?polres= or else the installation's own); 404 if unknown."""
    units = selectors.polres_units()
    polres = selectors.polres_chosen(units, request.GET.get("polres"))
    if request.GET.get("polres") and polres is None:
        raise Http404("no such Polres")
    return units, polres


def _unit_kind(standard: rules.ServiceStandard) -> str:
    return str(core_rules.UNIT_KINDS.get(standard.unit_kind, standard.unit_kind))


# --- The catalogue and the standards (public) ------------------------------------------------------


@require_GET
def catalogue(request: HttpRequest) -> HttpResponse:
    """Every service of the Polres with the essentials of its standard and where to ask for it."""
    units, polres = _polres(request)
    responsible = selectors.responsible_units(polres)
    services = [
        {
            "standard": standard,
            "fee": poster.fee_text(standard),
            "unit": responsible.get(standard.unit_kind),
            "unit_kind": _unit_kind(standard),
            "online_url": poster.online_url(standard),
        }
        for standard in rules.SERVICES.values()
    ]
    context = {"services": services, "units": units, "polres": polres}
    return render(request, "services/catalogue_list.html", context)


@require_GET
def standard(request: HttpRequest, code: str) -> HttpResponse:
    """One service's published standard: requirements, procedure, time, fee, product, legal basis,
    complaint channel and the responsible unit, with where to ask for it and its poster."""
    service = _standard(code)
    units, polres = _polres(request)
    unit = selectors.responsible_units(polres).get(service.unit_kind)
    query = {"polres": polres.code} if polres is not None and len(units) > 1 else {}
    poster_url = reverse("services:poster", kwargs={"code": code})
    context = {
        "standard": service,
        "units": units,
        "polres": polres,
        "unit": unit,
        "unit_kind": _unit_kind(service),
        "fee": poster.fee_text(service),
        "sim_fees": poster.sim_fee_rows() if service.code == rules.SIM.code else [],
        "no_fee": poster.no_fee_message(service),
        "online_url": poster.online_url(service),
        "is_request": service.code in rules.REQUEST_SERVICES,
        "poster_url": f"{poster_url}?{urlencode(query)}" if query else poster_url,
        "poster_query": urlencode(query),
    }
    return render(request, "services/catalogue_standard.html", context)


@require_GET
def poster_pdf(request: HttpRequest, code: str) -> HttpResponse:
    """The printable poster of a standard for a Polres's service hall (A3, or A4 with ?kertas=a4)."""
    service = _standard(code)
    _units, polres = _polres(request)
    if polres is None:
        raise Http404("no Polres")
    paper = request.GET.get("kertas", "a3")
    if paper not in poster.PAPER:
        return render(request, "400.html", status=400)
    unit = selectors.responsible_units(polres).get(service.unit_kind)
    pdf = poster.poster_pdf(standard=service, polres=polres, unit=unit, paper=paper)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="standar-pelayanan-{service.code}-{paper}.pdf"'
    return response


# --- Online requests (public) ----------------------------------------------------------------------


def _request_service(code: str) -> rules.ServiceStandard:
    service = _standard(code)
    if code not in rules.REQUEST_SERVICES or not service.online:
        raise Http404("not requested online here")
    return service


def _apply_errors(form: RequestForm, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for key, errors in exc.message_dict.items():
            form.add_error(form.field_for_error(key), errors)
    else:
        form.add_error(None, exc.messages)


def _request_page(request, service, form, status=200):
    context = {
        "standard": service,
        "form": form,
        "standard_url": reverse("services:standard", kwargs={"code": service.code}),
        "counter_only": [r for r in service.requirements if not r.upload],
        "lead_days": rules.CROWD_PERMIT_LEAD_DAYS,
        "no_fee": poster.no_fee_message(service),
        "fee": poster.fee_text(service),
    }
    return render(request, "services/catalogue_request_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
def request_form(request: HttpRequest, code: str) -> HttpResponse:
    """Ask for a service online: the form the service needs, its documents, and a tracking number."""
    service = _request_service(code)
    units = selectors.polres_units()
    if request.method == "GET":
        form = RequestForm(
            service=code, polres_units=units, initial={"polres": units[0].code if units else ""}
        )
        return _request_page(request, service, form)
    allowed = ratelimit.hit(intake_rate_key(request), limit=rules.INTAKE_PER_HOUR, window=3600)
    if not allowed.allowed:
        return errorpages.too_many_requests(request, retry_after=allowed.retry_after)
    form = RequestForm(request.POST, request.FILES, service=code, polres_units=units)
    if not form.is_valid():
        return _request_page(request, service, form, status=400)
    polres = selectors.polres_chosen(units, form.cleaned_data.get("polres"))
    if polres is None:
        form.add_error(None, _no_polres())
        return _request_page(request, service, form, status=400)
    try:
        submitted = case_submit(
            actor=CITIZEN,
            service=code,
            unit=polres,
            requester=form.requester(),
            channel="web",
            uploads=form.uploads(),
            language=get_language() or "id",
            **form.case_fields(),
        )
    except ValidationError as exc:
        _apply_errors(form, exc)
        return _request_page(request, service, form, status=400)
    request.session[DONE_SESSION_KEY] = {
        "number": submitted.case.tracking_number,
        "secret": submitted.secret,
    }
    return redirect("services:request-done")


def _no_polres() -> str:
    return _("No Polres takes requests here yet.")


def _shown_once(request: HttpRequest, key: str) -> tuple[Case | None, str]:
    """The case whose receipt waits in the session, and its secret the first time only (then dropped)."""
    pending = request.session.get(key)
    if not pending:
        return None, ""
    case = (
        Case.objects.filter(tracking_number=pending.get("number", ""))
        .select_related("unit", "requester")
        .first()
    )
    secret = pending.get("secret", "")
    if secret:
        request.session[key] = {"number": pending.get("number", "")}
    return case, secret


def _receipt_context(case: Case, secret: str) -> dict:
    tracking_url = f"{settings.SITE_URL}{TRACKING_PATH}?{urlencode({'nomor': case.tracking_number})}"
    return {
        "case": case,
        "secret": secret,
        "standard": case.standard,
        "tracking_url": tracking_url,
        "tracking_path": f"{TRACKING_PATH}?{urlencode({'nomor': case.tracking_number})}",
        "qr_svg": qr_svg(tracking_url, scale=4),
        "requester": getattr(case, "requester", None),
    }


@never_cache
@require_GET
def request_done(request: HttpRequest) -> HttpResponse:
    """The receipt: the tracking number, and the secret once (a reload shows the number only)."""
    case, secret = _shown_once(request, DONE_SESSION_KEY)
    if case is None:
        return redirect("services:catalogue")
    return render(request, "services/catalogue_request_done.html", _receipt_context(case, secret))


# --- Counter intake (staff of the responsible unit) ------------------------------------------------


def _counter_allowed(request: HttpRequest) -> None:
    if not request.user.has_perm(COUNTER_PERMISSION):
        raise PermissionDenied


@login_required
@require_GET
def counter_home(request: HttpRequest) -> HttpResponse:
    """The request services this person takes at their unit's counter."""
    _counter_allowed(request)
    offered = [
        {
            "standard": standard,
            "units": units,
            "url": reverse("services:counter-intake", kwargs={"code": standard.code}),
        }
        for standard, units in selectors.counter_services(request.user)
    ]
    return render(request, "services/catalogue_counter_home.html", {"offered": offered})


def _counter_page(request, service, unit, units, form, status=200):
    context = {
        "standard": service,
        "unit": unit,
        "units": units,
        "form": form,
        "lead_days": rules.CROWD_PERMIT_LEAD_DAYS,
    }
    return render(request, "services/catalogue_counter_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def counter_intake(request: HttpRequest, code: str) -> HttpResponse:
    """A citizen at the counter: the officer fills the service's form, ticks the documents seen, and
    prints the receipt with the number and the secret."""
    _counter_allowed(request)
    if code not in rules.REQUEST_SERVICES:
        raise Http404("not a request service")
    service = rules.SERVICES[code]
    units = selectors.counter_units(request.user, code)
    chosen = request.POST.get("satuan") if request.method == "POST" else request.GET.get("satuan")
    unit = next((u for u in units if u.code == chosen), None) if chosen else (units[0] if units else None)
    if unit is None:
        raise Http404("not a counter of this person")
    if request.method == "GET":
        return _counter_page(request, service, unit, units, RequestForm(service=code, counter=True))
    form = RequestForm(request.POST, request.FILES, service=code, counter=True)
    if not form.is_valid():
        return _counter_page(request, service, unit, units, form, status=400)
    try:
        submitted = case_submit(
            actor=request.user,
            service=code,
            unit=unit,
            requester=form.requester(),
            channel="counter",
            uploads=form.uploads(),
            language="id",
            **form.case_fields(),
        )
    except ValidationError as exc:
        _apply_errors(form, exc)
        return _counter_page(request, service, unit, units, form, status=400)
    request.session[COUNTER_SESSION_KEY] = {
        "number": submitted.case.tracking_number,
        "secret": submitted.secret,
    }
    return redirect("services:counter-done")


@never_cache
@login_required
@require_GET
def counter_done(request: HttpRequest) -> HttpResponse:
    """The receipt to print for the citizen at the counter (the secret shown once)."""
    _counter_allowed(request)
    case, secret = _shown_once(request, COUNTER_SESSION_KEY)
    if case is None:
        return redirect("services:counter-home")
    context = _receipt_context(case, secret)
    context["again_url"] = reverse("services:counter-intake", kwargs={"code": case.service})
    return render(request, "services/catalogue_counter_done.html", context)

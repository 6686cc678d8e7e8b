"""/lacak/: the one tracking page of every module.

Any tracking number (ETLE, SIM, signed documents, every Sipmas service) with its module's second
factor shows that record's public timeline, from the module's own ``PublicTimeline``. A typo caught by
the check character is said at once, before any lookup. An unknown number and a wrong second factor
answer alike ("not found or wrong code") and count against the connection (``lookup_guard``), so
guessing stops at the limit even when a later guess would be right.

The form posts (a secret code does not belong in a URL that proxies and logs keep); the opened record
then lives in this browser's session for ``OPEN_MINUTES``, so a Sipmas reporter — anonymous too — can
read the officer's public messages and answer (``tracking:reply``). ``GET ?nomor=&kode=`` also works for
links and printed QR codes.
"""

from __future__ import annotations

import time

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from bersih.core import ratelimit
from bersih.core.tracking import InvalidTrackingNumber, lookup_guard, parse, registration_for

from . import rules
from .complaints_forms import LookupForm, ReplyForm
from .selectors import citizen_timeline
from .services import case_open_by_secret, case_reply

GUARD_SCOPE = "tracking"
SESSION_KEY = "tracking_open"
OPEN_MINUTES = 30
SIPMAS_PROVIDER = "bersih.services.timeline.CaseTimeline"
# What each module asks as its second factor (the providers' dotted paths); None: nothing more.
SECOND_FACTORS = {
    SIPMAS_PROVIDER: gettext_lazy("the secret code shown when you filed it"),
    "bersih.etle.timeline.EtleTimeline": gettext_lazy("the plate number of the vehicle"),
    "bersih.licensing.timeline.ApplicationTimeline": gettext_lazy("your NIK (16 digits)"),
    "bersih.documents.timeline.DocumentTimeline": None,
}
NOT_FOUND = gettext_lazy(
    "Not found, or the code does not match. Check the tracking number and the second factor and try again."
)


def _page(request, form, *, status=200, **context) -> HttpResponse:
    context.setdefault("reply_form", None)
    return render(request, "services/tracking_lookup.html", {"form": form, **context}, status=status)


def _factor_label(registration):
    return SECOND_FACTORS.get(registration.module, gettext_lazy("the code that came with the number"))


def _result(registration, number, events, case=None) -> dict:
    rows = [{"title": e.label, "at": e.at, "text": e.note} for e in events]
    return {"registration": registration, "number": str(number), "events": rows, "case": case}


def _opened(request: HttpRequest) -> dict | None:
    """The record this browser opened, while its access lasts: re-read now (never cached data)."""
    access = request.session.get(SESSION_KEY)
    if not isinstance(access, dict) or access.get("until", 0) < time.time():
        request.session.pop(SESSION_KEY, None)
        return None
    try:
        number = parse(access.get("number", ""))
    except InvalidTrackingNumber:
        request.session.pop(SESSION_KEY, None)
        return None
    registration = registration_for(number)
    factor = access.get("factor", "")
    if registration is None:
        return None
    if registration.module == SIPMAS_PROVIDER:
        case = case_open_by_secret(str(number), factor)
        if case is None:
            request.session.pop(SESSION_KEY, None)
            return None
        return _result(registration, number, citizen_timeline(case), case)
    events = registration.provider().public_timeline(number, factor)
    if events is None:
        request.session.pop(SESSION_KEY, None)
        return None
    return _result(registration, number, events)


def _opened_page(request, result, *, reply_form=None, status=200) -> HttpResponse:
    case = result["case"]
    if case is not None and case.closed_at is None and reply_form is None:
        reply_form = ReplyForm()
    return _page(
        request,
        None,
        result=result,
        opened=True,
        reply_form=reply_form if case is not None and case.closed_at is None else None,
        status=status,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def lookup(request: HttpRequest) -> HttpResponse:
    if request.method == "POST" and request.POST.get("action") == "close":
        request.session.pop(SESSION_KEY, None)
        return redirect("tracking:lookup")
    if request.method == "GET" and "nomor" not in request.GET:
        result = _opened(request)
        if result is not None:
            return _opened_page(request, result)
        return _page(request, LookupForm())
    form = LookupForm(request.POST if request.method == "POST" else request.GET)
    if not form.is_valid():
        return _page(request, form, status=400)
    try:
        number = parse(form.cleaned_data["nomor"])
    except InvalidTrackingNumber as exc:
        # A typo says nothing about any record: it is not a guess and is not counted.
        form.add_error("nomor", exc.reason)
        return _page(request, form, status=400, typo=exc.code == "check")
    registration = registration_for(number)
    if registration is None:
        form.add_error(
            "nomor", _("No service uses numbers beginning with %(prefix)s.") % {"prefix": number.prefix}
        )
        return _page(request, form, status=400)
    factor = form.cleaned_data["kode"].strip()
    needs_factor = _factor_label(registration) is not None
    if request.method == "GET" and needs_factor and not factor:
        # A link with the number only (the home page's form): ask for the second factor.
        shown = LookupForm(initial={"nomor": str(number)})
        return _page(request, shown, asking=_factor_label(registration), registration=registration)
    guard = lookup_guard(request, GUARD_SCOPE)
    if guard.blocked():
        response = _page(request, form, status=429, error=guard.message())
        response["Retry-After"] = str(guard.retry_after)
        return response
    events = registration.provider().public_timeline(number, factor)
    if events is None:
        guard.failed()
        return _page(request, form, status=404, error=NOT_FOUND)
    if request.method == "GET":
        # A link or QR code: shown, not kept (nothing goes into the session).
        return _page(request, None, result=_result(registration, number, events))
    request.session.cycle_key()
    request.session[SESSION_KEY] = {
        "number": str(number),
        "factor": factor,
        "until": time.time() + 60 * OPEN_MINUTES,
    }
    return redirect("tracking:lookup")


@never_cache
@require_POST
def reply(request: HttpRequest) -> HttpResponse:
    """The citizen's answer on an opened Sipmas case (number and secret in this browser's session)."""
    result = _opened(request)
    if result is None or result["case"] is None:
        messages.error(request, _("Open your case with its number and secret code first."))
        return redirect("tracking:lookup")
    form = ReplyForm(request.POST, request.FILES)
    allowed = ratelimit.hit(
        f"services:reply:ip:{ratelimit.client_ip(request)}", limit=rules.INTAKE_PER_HOUR, window=3600
    )
    if not allowed.allowed:
        form.is_valid()
        form.add_error(None, _("Too many messages from your connection. Please try again in an hour."))
        response = _opened_page(request, result, reply_form=form, status=429)
        response["Retry-After"] = str(allowed.retry_after)
        return response
    if not form.is_valid():
        return _opened_page(request, result, reply_form=form, status=400)
    access = request.session[SESSION_KEY]
    try:
        case_reply(
            case=result["case"],
            secret=access["factor"],
            text=form.cleaned_data["text"],
            uploads=form.cleaned_data["evidence"],
        )
    except PermissionDenied:
        request.session.pop(SESSION_KEY, None)
        return redirect("tracking:lookup")
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            for field, errors in exc.message_dict.items():
                target = "evidence" if field == "attachments" else field
                form.add_error(target if target in form.fields else None, errors)
        else:
            form.add_error(None, exc.messages)
        return _opened_page(request, result, reply_form=form, status=400)
    messages.success(request, _("Your message was sent to the handling officer."))
    return redirect("tracking:lookup")

"""The public complaint page: a newcomer reports a problem, pungli or misconduct — named, confidential
or anonymous — and gets a tracking number and a secret code shown once. No logic: parse, call
``case_submit``, render."""

from __future__ import annotations

import time

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from bersih.core import ratelimit
from bersih.core.models import Unit

from . import rules
from .complaints_forms import ComplaintForm
from .models import Case
from .services import case_submit

DONE_SESSION_KEY = "services_complaint_done"
SLIP_SESSION_KEY = "services_complaint_slip"
SLIP_MINUTES = 10  # the slip can be downloaded once, this soon after the confirmation was shown


def _form_page(request, form, status=200):
    context = {
        "form": form,
        "categories": rules.COMPLAINT_CATEGORIES,
        "sensitive": rules.SENSITIVE_CATEGORIES,
        "verify_days": rules.VERIFY_WORKING_DAYS,
        "follow_up_days": rules.FOLLOW_UP_WORKING_DAYS,
    }
    return render(request, "services/complaints_form.html", context, status=status)


def _apply_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            target = {"attachments": "evidence", "unit": "polres"}.get(field, field)
            form.add_error(target if target in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@never_cache
@require_http_methods(["GET", "POST"])
def complaint_form(request: HttpRequest) -> HttpResponse:
    """Public: file a complaint. At most ``rules.INTAKE_PER_HOUR`` per address and hour."""
    if request.method == "GET":
        initial = {}
        if request.GET.get("kategori") in rules.COMPLAINT_CATEGORIES:
            initial["category"] = request.GET["kategori"]
        return _form_page(request, ComplaintForm(initial=initial))
    form = ComplaintForm(request.POST, request.FILES)
    allowed = ratelimit.hit(
        f"services:intake:ip:{ratelimit.client_ip(request)}", limit=rules.INTAKE_PER_HOUR, window=3600
    )
    if not allowed.allowed:
        form.is_valid()
        form.add_error(None, _("Too many reports from your connection. Please try again in an hour."))
        response = _form_page(request, form, status=429)
        response["Retry-After"] = str(allowed.retry_after)
        return response
    if not form.is_valid():
        return _form_page(request, form, status=400)
    data = form.cleaned_data
    polres: Unit = data["polres_unit"]
    try:
        submitted = case_submit(
            service=rules.COMPLAINT.code,
            unit=polres,
            category=data["category"],
            privacy=data["privacy"],
            title=data["title"],
            description=data["description"],
            address=data["address"],
            occurred_on=data["occurred_on"],
            complained_unit=data["complained_unit_obj"],
            requester=form.requester(),
            uploads=data["evidence"],
            channel="web",
            language=get_language() or "id",
        )
    except ValidationError as exc:
        _apply_errors(form, exc)
        return _form_page(request, form, status=400)
    request.session.cycle_key()
    request.session[DONE_SESSION_KEY] = {"number": submitted.case.tracking_number, "secret": submitted.secret}
    return redirect("services:complaint-done")


@never_cache
@require_GET
def complaint_done(request: HttpRequest) -> HttpResponse:
    """The number and the secret, shown once: a reload shows no secret (it is not stored anywhere)."""
    shown = request.session.pop(DONE_SESSION_KEY, None)
    if not isinstance(shown, dict):
        return render(request, "services/complaints_done.html", {"gone": True})
    case = Case.objects.filter(tracking_number=shown.get("number")).select_related("unit").first()
    if case is None:
        return render(request, "services/complaints_done.html", {"gone": True})
    request.session[SLIP_SESSION_KEY] = {**shown, "until": time.time() + 60 * SLIP_MINUTES}
    context = {
        "case": case,
        "secret": shown["secret"],
        "category": rules.COMPLAINT_CATEGORIES[case.category]["label"],
        "privacy": rules.PRIVACY_MODES[case.privacy],
        "has_contact": hasattr(case, "requester"),
        "verify_days": rules.VERIFY_WORKING_DAYS,
        "slip_minutes": SLIP_MINUTES,
    }
    return render(request, "services/complaints_done.html", context)


@never_cache
@require_GET
def complaint_slip(request: HttpRequest) -> HttpResponse:
    """The slip as a text file, once, shortly after the confirmation (then it is gone)."""
    slip = request.session.pop(SLIP_SESSION_KEY, None)
    if not isinstance(slip, dict) or slip.get("until", 0) < time.time():
        return redirect("services:complaint-done")
    case = Case.objects.filter(tracking_number=slip.get("number")).first()
    if case is None:
        return redirect("services:complaint-done")
    lines = [
        _("Complaint slip — %(polres)s") % {"polres": (case.unit.polres() or case.unit).name},
        "",
        _("Tracking number: %(number)s") % {"number": case.tracking_number},
        _("Secret code: %(secret)s") % {"secret": slip["secret"]},
        _("Filed: %(at)s WIB") % {"at": timezone.localtime(case.submitted_at).strftime("%d-%m-%Y %H:%M")},
        _("Kind: %(category)s") % {"category": rules.COMPLAINT_CATEGORIES[case.category]["label"]},
        "",
        _("Follow your complaint and answer the officer at %(url)s with the number and the secret code.")
        % {"url": request.build_absolute_uri("/lacak/")},
        _("Keep this slip private: anyone with both can read the answers to your complaint."),
        _("The secret code cannot be shown again or recovered."),
    ]
    response = HttpResponse("\r\n".join(lines) + "\r\n", content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="pengaduan-{case.tracking_number}.txt"'
    response["Cache-Control"] = "no-store"
    return response

"""The citizen survey pages (by invitation after a service, or by the public link or QR of a service
hall) and the public IKM page. No account; answers are never linked to the person."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from bersih.core import ratelimit
from bersih.core.models import Unit

from . import rules, selectors, services
from .forms import SurveyForm

DONE_SESSION_KEY = "integrity-survey-done"


def _service_name(code: str) -> str:
    from bersih.services.rules import SERVICES

    standard = SERVICES.get(code)
    return str(standard.name) if standard else code


def _invitation_for(token: str):
    from bersih.services.models import SurveyInvitation
    from bersih.services.services.secrets import token_digest

    return SurveyInvitation.objects.select_related("unit").filter(token_digest=token_digest(token)).first()


def _closed(request, message: str, status: int) -> HttpResponse:
    return render(request, "integrity/survey_closed.html", {"message": message}, status=status)


def _submit(request, form, **where) -> HttpResponse | None:
    """Submit a valid form; None when the service refused it (the error is on the form)."""
    try:
        services.survey_submit(answers=form.answers(), suggestion=form.cleaned_data["suggestion"], **where)
    except ValidationError as exc:
        form.add_error(None, exc)
        return None
    request.session[DONE_SESSION_KEY] = True
    return redirect("integrity:survey-done")


def survey_invited(request: HttpRequest, token: str) -> HttpResponse:
    """The survey a citizen is invited to when their case closes: the link works once."""
    invitation = _invitation_for(token)
    if invitation is None:
        return _closed(request, _("This survey link is not valid."), 404)
    if invitation.used_at is not None:
        return _closed(request, _("This survey link has already been used. Thank you!"), 410)
    if invitation.expires_at <= timezone.now():
        return _closed(request, _("This survey link has expired."), 410)
    form = SurveyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        response = _submit(request, form, channel="invitation", token=token)
        if response is not None:
            return response
    context = {"form": form, "service": _service_name(invitation.service), "unit": invitation.unit}
    return render(request, "integrity/survey.html", context, status=400 if form.errors else 200)


def survey_walk_in(request: HttpRequest, service: str, unit: str) -> HttpResponse:
    """The public link (and QR) of a service hall: anyone may answer, a few times an hour per address."""
    from bersih.services.rules import SERVICES

    place = Unit.objects.filter(code=unit, active=True).first()
    if service not in SERVICES or place is None:
        raise Http404
    form = SurveyForm(request.POST or None, check_time=True)
    if request.method == "POST":
        allowed = ratelimit.hit(
            f"survey-walk-in:ip:{ratelimit.client_ip(request)}", limit=rules.WALK_IN_PER_HOUR, window=3600
        )
        if not allowed.allowed:
            form.is_valid()
            form.add_error(None, _("Too many answers from here. Try again in an hour."))
            response = render(
                request,
                "integrity/survey.html",
                {"form": form, "service": _service_name(service), "unit": place},
                status=429,
            )
            response["Retry-After"] = str(allowed.retry_after)
            return response
        if form.is_valid():
            response = _submit(request, form, channel="walk_in", service=service, unit=place)
            if response is not None:
                return response
    context = {"form": form, "service": _service_name(service), "unit": place}
    return render(request, "integrity/survey.html", context, status=400 if form.errors else 200)


def survey_done(request: HttpRequest) -> HttpResponse:
    if not request.session.pop(DONE_SESSION_KEY, False):
        return redirect("core:public-home")
    return render(request, "integrity/survey_done.html")


def ikm_public(request: HttpRequest) -> HttpResponse:
    """The latest IKM per service: index, grade, respondents, and the sample the service's volume needs."""
    rows = selectors.latest_ikm_per_service()
    for row in rows:
        row["service_name"] = _service_name(row["service"])
    return render(request, "integrity/ikm.html", {"rows": rows})

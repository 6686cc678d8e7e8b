"""The investigators' review pages. No business logic: parse, call the service, render or redirect."""

from __future__ import annotations

import hashlib
from io import BytesIO

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from . import rules, selectors, services
from .forms import ChangeTypeForm, CorrectPlateForm, RejectForm


def _require(request: HttpRequest, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied


@login_required
@require_GET
def review_queue(request: HttpRequest) -> HttpResponse:
    """The cases waiting for this investigator's decision, the oldest first."""
    _require(request, "etle.review_violation")
    page = selectors.review_queue_page(request.user, request.GET.get("page"))
    return render(request, "etle/review_queue.html", {"page_obj": page, "reasons": rules.REVIEW_REASONS})


def _case_or_404(request: HttpRequest, tracking: str):
    _require(request, "etle.review_violation")
    violation = selectors.case_for_review(request.user, tracking)
    if violation is None:
        raise Http404
    return violation


def _render_case(request: HttpRequest, violation, forms=None, status: int = 200) -> HttpResponse:
    forms = forms or {}
    captures = list(violation.captures.all())
    images = [link for capture in captures for link in capture.image_links.all()]
    code, note = services.rejection_parts(violation) if violation.rejection_reason else ("", "")
    context = {
        "violation": violation,
        "captures": captures,
        "scene_images": [i for i in images if i.role != rules.PLATE],
        "plate_images": [i for i in images if i.role == rules.PLATE],
        "flags": [rules.REVIEW_REASONS.get(r, r) for r in violation.review_reasons],
        "kind": rules.violation_type(violation.violation_code),
        "open": violation.status in violation.OPEN_STATUSES,
        "rejection": (rules.REJECTION_REASONS.get(code, code), note),
        "plate_form": forms.get("plate") or CorrectPlateForm(initial={"plate": violation.plate}),
        "type_form": forms.get("type") or ChangeTypeForm(initial={"code": violation.violation_code}),
        "reject_form": forms.get("reject") or RejectForm(),
        "next_case": selectors.next_in_queue(request.user, after=violation),
    }
    return render(request, "etle/review_case.html", context, status=status)


@login_required
@require_GET
def review_case(request: HttpRequest, tracking: str) -> HttpResponse:
    """One case: the pictures side by side, the registry record, the law, the flags and the forms."""
    return _render_case(request, _case_or_404(request, tracking))


_FORMS = {"plate": CorrectPlateForm, "type": ChangeTypeForm, "reject": RejectForm}
_DONE = {
    "approve": _("Case %(number)s approved."),
    "reject": _("Case %(number)s rejected."),
    "plate": _("The plate of case %(number)s was corrected."),
    "type": _("The violation of case %(number)s was changed."),
}


@login_required
@require_POST
def review_decide(request: HttpRequest, tracking: str, act: str) -> HttpResponse:
    """Apply one act; a decision moves on to the next case, a correction stays on this one."""
    if act not in _DONE:
        raise Http404
    violation = _case_or_404(request, tracking)
    form = _FORMS[act](request.POST) if act in _FORMS else None
    if form is not None and not form.is_valid():
        return _render_case(request, violation, {act: form}, status=400)
    data = form.cleaned_data if form is not None else {}
    try:
        if act == "approve":
            services.violation_approve(actor=request.user, violation=violation)
        elif act == "reject":
            services.violation_reject(
                actor=request.user, violation=violation, reason=data["reason"], note=data["note"]
            )
        elif act == "plate":
            services.violation_correct_plate(actor=request.user, violation=violation, plate=data["plate"])
        else:
            services.violation_change_type(actor=request.user, violation=violation, code=data["code"])
    except ValidationError as exc:
        if form is None or violation.status not in violation.OPEN_STATUSES:
            messages.error(request, " ".join(exc.messages))
            return _render_case(request, violation, status=400)
        form.add_error(None, exc)
        return _render_case(request, violation, {act: form}, status=400)
    messages.success(request, _DONE[act] % {"number": violation.tracking_number})
    if act in ("plate", "type"):
        return redirect("etle:review-case", tracking=violation.tracking_number)
    following = selectors.next_in_queue(request.user, after=violation)
    if following is None:
        return redirect("etle:review-queue")
    return redirect("etle:review-case", tracking=following.tracking_number)


@login_required
@require_GET
def evidence_image(request: HttpRequest, tracking: str, image_id: int) -> FileResponse:
    """A picture of a case, for traffic staff whose scope holds the case (404 otherwise)."""
    link = selectors.evidence_image(request.user, tracking, image_id)
    if link is None:
        raise Http404
    data = link.file.read()
    if hashlib.sha256(data).hexdigest() != link.file.sha256:
        # Evidence that no longer matches its hash is never shown as evidence.
        raise Http404("stored file does not match its hash")
    response = FileResponse(BytesIO(data), content_type=link.file.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
@require_GET
def review_oversight(request: HttpRequest) -> HttpResponse:
    """Decisions per officer in the person's units: approvals, rejections and corrections."""
    _require(request, "etle.oversee_violation")
    return render(request, "etle/review_oversight.html", {"rows": selectors.decision_rates(request.user)})

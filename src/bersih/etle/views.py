"""The investigators' review pages. No business logic: parse, call the service, render or redirect."""

from __future__ import annotations

import hashlib
import time
from io import BytesIO

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bersih import ledger
from bersih.core import ratelimit
from bersih.core.tracking import lookup_guard

from . import plates, rules, selectors, services
from .forms import (
    ANSWER_FORMS,
    ChangeTypeForm,
    CorrectPlateForm,
    DisputeDecisionForm,
    LookupForm,
    RejectForm,
)
from .models import Violation


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


# --- The owner's public confirmation page ----------------------------------------------------------
# No account: the reference code of the letter and the plate open one case in the browser's session
# for ``rules.confirm_access_minutes()``. Wrong lookups count against the connection (lookup_guard);
# an unknown code and a wrong plate answer the same.

CONFIRM_SESSION_KEY = "etle_confirm"
CONFIRM_GUARD_SCOPE = "etle-confirm"
_CLOSED = {
    Violation.PAID: _("This case has been paid. Nothing more is needed from you."),
    Violation.CANCELLED: _("This case was cancelled. Nothing more is needed from you."),
    Violation.REJECTED: _("This case was closed without a fine. Nothing more is needed from you."),
}
_NOT_SENT = _("The letter of this case has not been sent yet: please wait for it.")


def _owner_case(request: HttpRequest):
    """The case this browser opened with its code and plate, while the access lasts; None otherwise."""
    access = request.session.get(CONFIRM_SESSION_KEY)
    if not isinstance(access, dict) or access.get("until", 0) < time.time():
        request.session.pop(CONFIRM_SESSION_KEY, None)
        return None
    return selectors.owner_case(access.get("case"))


def _start_again(request: HttpRequest) -> HttpResponse:
    messages.info(request, _("Enter the reference code and the plate to open your case."))
    return redirect("etle:confirm-start")


def _lookup_page(request, form, *, error="", status=200, notice=""):
    context = {"form": form, "error": error, "notice": notice}
    return render(request, "etle/confirm_start.html", context, status=status)


@require_http_methods(["GET", "POST"])
def confirm_start(request: HttpRequest) -> HttpResponse:
    """Public: the reference code of the letter and the plate open the case."""
    if request.method == "GET":
        return _lookup_page(request, LookupForm())
    form = LookupForm(request.POST)
    if not form.is_valid():
        return _lookup_page(request, form, status=400)
    try:
        plate = plates.parse(form.cleaned_data["plate"])
    except plates.PlateError as exc:
        # The shape of a plate is not a guess: it says nothing about any case.
        form.add_error("plate", exc.message)
        return _lookup_page(request, form, status=400)
    guard = lookup_guard(request, CONFIRM_GUARD_SCOPE)
    if guard.blocked():
        response = _lookup_page(request, form, error=guard.message(), status=429)
        response["Retry-After"] = str(guard.retry_after)
        return response
    violation = selectors.case_for_owner(form.cleaned_data["reference_code"], str(plate))
    if violation is None:
        guard.failed()
        error = _(
            "No letter matches this reference code and plate. Check both against the letter and try again."
        )
        return _lookup_page(request, form, error=error, status=404)
    if violation.status not in Violation.AWAITING_OWNER:
        return _lookup_page(request, LookupForm(), notice=_CLOSED.get(violation.status, _NOT_SENT))
    request.session.cycle_key()
    request.session[CONFIRM_SESSION_KEY] = {
        "case": violation.pk,
        "until": time.time() + 60 * rules.confirm_access_minutes(),
    }
    return redirect("etle:confirm-case")


def _owner_context(violation) -> dict:
    captures = list(violation.captures.all())
    images = [link for capture in captures for link in capture.image_links.all()]
    refused = services.dispute_refused_before(violation)
    return {
        "violation": violation,
        "kind": rules.violation_type(violation.violation_code),
        "pictures": images,
        "answers": rules.ANSWERS,
        "can_answer": violation.status in services.confirmation.ANSWERABLE,
        "disputes_allowed": not refused,
        "dispute_refused": refused,
        "can_choose": violation.status in services.confirmation.PAYABLE and not violation.payment_choice,
        "payment": selectors.open_payment(violation)
        if violation.payment_choice == Violation.DEPOSIT
        else None,
        "court_name": rules.court_name(),
        "closed": _CLOSED.get(violation.status, ""),
        "access_minutes": rules.confirm_access_minutes(),
    }


@require_GET
def confirm_case(request: HttpRequest) -> HttpResponse:
    """The case opened in this session: evidence, the law, deadlines and what the owner can do now."""
    violation = _owner_case(request)
    if violation is None:
        return _start_again(request)
    return render(request, "etle/confirm_case.html", _owner_context(violation))


@require_GET
def confirm_picture(request: HttpRequest, sha256: str) -> FileResponse:
    """A camera picture of the case opened in this session (404 for anything else)."""
    violation = _owner_case(request)
    link = selectors.owner_picture(violation, sha256) if violation is not None else None
    if link is None:
        raise Http404
    data = link.file.read()
    if hashlib.sha256(data).hexdigest() != link.file.sha256:
        raise Http404("stored file does not match its hash")
    response = FileResponse(BytesIO(data), content_type=link.file.content_type)
    response["Cache-Control"] = "private, no-store"
    return response


_ANSWER_DONE = {
    rules.DROVE: _("Thank you: the case is confirmed. Now choose how to settle it."),
    rules.OTHER_DRIVER: _(
        "Thank you: you are released from this case. A notice will be sent to the driver you named."
    ),
    rules.SOLD: _("Thank you: your answer will be checked by an officer. Blocking is paused meanwhile."),
    rules.NOT_MINE: _("Thank you: your answer will be checked by an officer. Blocking is paused meanwhile."),
}


@require_http_methods(["GET", "POST"])
def confirm_answer(request: HttpRequest, answer: str) -> HttpResponse:
    """One of the four answers: "I was driving" is a button; the others a form with their details."""
    if answer not in rules.ANSWERS:
        raise Http404
    violation = _owner_case(request)
    if violation is None:
        return _start_again(request)
    form_class = ANSWER_FORMS.get(answer)
    if request.method == "GET":
        if form_class is None:
            return redirect("etle:confirm-case")
        return _answer_page(request, violation, answer, form_class())
    form = form_class(request.POST, request.FILES) if form_class else None
    if form is not None and not form.is_valid():
        return _answer_page(request, violation, answer, form, status=400)
    data = form.cleaned_data if form is not None else {}
    address = ratelimit.client_ip(request)
    try:
        if answer == rules.DROVE:
            services.confirmation_drove(violation=violation, client_address=address)
        elif answer == rules.OTHER_DRIVER:
            services.confirmation_other_driver(violation=violation, client_address=address, **data)
        elif answer == rules.SOLD:
            services.confirmation_sold(violation=violation, client_address=address, **data)
        else:
            services.confirmation_not_mine(
                violation=violation,
                client_address=address,
                ktp=data["ktp"],
                selfie=data["selfie"],
                vehicle_photo=data["vehicle"],
            )
    except ValidationError as exc:
        if form is not None and hasattr(exc, "error_dict"):
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
            return _answer_page(request, violation, answer, form, status=400)
        messages.error(request, " ".join(exc.messages))
        return render(request, "etle/confirm_case.html", _owner_context(violation), status=409)
    messages.success(request, _ANSWER_DONE[answer])
    return redirect("etle:confirm-case")


def _answer_page(request, violation, answer, form, status=200):
    context = {
        **_owner_context(violation),
        "answer": answer,
        "answer_label": rules.ANSWERS[answer],
        "form": form,
    }
    if not context["can_answer"] or (answer in rules.DISPUTE_ANSWERS and not context["disputes_allowed"]):
        return redirect("etle:confirm-case")
    return render(request, "etle/confirm_answer.html", context, status=status)


@require_POST
def confirm_route(request: HttpRequest, route: str) -> HttpResponse:
    """The confirmed owner's choice: pay the deposit, or attend the court hearing."""
    if route not in (Violation.DEPOSIT, Violation.COURT):
        raise Http404
    violation = _owner_case(request)
    if violation is None:
        return _start_again(request)
    try:
        if route == Violation.DEPOSIT:
            services.deposit_choose(violation=violation)
        else:
            services.court_choose(violation=violation)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        violation.refresh_from_db()
        return render(request, "etle/confirm_case.html", _owner_context(violation), status=409)
    return redirect("etle:confirm-case")


# --- Officers' review of disputes -------------------------------------------------------------------


@login_required
@require_GET
def dispute_queue(request: HttpRequest) -> HttpResponse:
    _require(request, "etle.review_dispute")
    page = selectors.dispute_queue_page(request.user, request.GET.get("page"))
    return render(request, "etle/dispute_queue.html", {"page_obj": page, "answers": rules.ANSWERS})


def _dispute_or_404(request: HttpRequest, tracking: str):
    _require(request, "etle.review_dispute")
    violation = selectors.dispute_case(request.user, tracking)
    if violation is None:
        raise Http404
    return violation


def _dispute_page(request, violation, form=None, status=200):
    captures = list(violation.captures.all())
    context = {
        "violation": violation,
        "dispute": violation.dispute,
        "answer_label": rules.ANSWERS.get(violation.dispute.answer, "") if violation.dispute else "",
        "roles": rules.UPLOAD_ROLES,
        "pictures": [link for capture in captures for link in capture.image_links.all()],
        "kind": rules.violation_type(violation.violation_code),
        "form": form or DisputeDecisionForm(),
    }
    return render(request, "etle/dispute_case.html", context, status=status)


@login_required
@require_GET
def dispute_case(request: HttpRequest, tracking: str) -> HttpResponse:
    """A disputed case: the camera's pictures and the owner's uploads side by side, and the decision."""
    return _dispute_page(request, _dispute_or_404(request, tracking))


@login_required
@require_POST
def dispute_decide(request: HttpRequest, tracking: str) -> HttpResponse:
    violation = _dispute_or_404(request, tracking)
    form = DisputeDecisionForm(request.POST)
    if not form.is_valid():
        return _dispute_page(request, violation, form, status=400)
    decision = form.cleaned_data["decision"]
    try:
        if decision == DisputeDecisionForm.REFUSE:
            services.dispute_refuse(
                actor=request.user, violation=violation, reason=form.cleaned_data["reason"]
            )
        else:
            services.dispute_accept(
                actor=request.user, violation=violation, to_buyer=decision == DisputeDecisionForm.ACCEPT_BUYER
            )
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form.add_error(None, exc)
        return _dispute_page(request, violation, form, status=400)
    messages.success(request, _("The dispute of case %(number)s was decided.") % {"number": tracking})
    return redirect("etle:dispute-queue")


@login_required
@require_GET
def dispute_upload(request: HttpRequest, tracking: str, upload_id: int) -> FileResponse:
    """An upload of a dispute (identity documents: need-to-know); every view is a ledger entry."""
    _require(request, "etle.review_dispute")
    link = selectors.dispute_upload(request.user, tracking, upload_id)
    if link is None:
        raise Http404
    data = link.file.read()
    if hashlib.sha256(data).hexdigest() != link.file.sha256:
        raise Http404("stored file does not match its hash")
    ledger.record_read(
        actor=request.user,
        subject=link,
        reason=f"dispute review {tracking} ({link.role})",
        unit=link.confirmation.violation.unit,
    )
    response = FileResponse(BytesIO(data), content_type=link.file.content_type)
    response["Cache-Control"] = "private, no-store"
    return response

"""ETLE pages: review, letters, payments, STNK blocks, the dashboard and the owner's confirmation.
No business logic: parse, call the service, render or redirect."""

from __future__ import annotations

import time
from io import BytesIO

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bersih import ledger
from bersih.core import charts, ratelimit
from bersih.core.selectors import units_visible_to
from bersih.core.tracking import lookup_guard
from bersih.documents.models import StoredFileCorrupt

from . import exports, plates, rules, selectors, services
from .forms import (
    ANSWER_FORMS,
    BlockExportForm,
    ChangeTypeForm,
    CloseForm,
    CorrectPlateForm,
    DisputeDecisionForm,
    LiftForm,
    LookupForm,
    PeriodForm,
    RefundPayForm,
    RejectForm,
    ResendForm,
    StatementForm,
    VerdictForm,
)
from .models import Payment, Violation


def _require(request: HttpRequest, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied


def _stored_file_response(stored, *, cache: str, **kwargs) -> FileResponse:
    """A stored file's verified bytes (404 when storage no longer matches the hash: never shown)."""
    try:
        data = stored.read_verified()
    except StoredFileCorrupt:
        raise Http404("stored file does not match its hash") from None
    response = FileResponse(
        BytesIO(data), content_type=kwargs.pop("content_type", stored.content_type), **kwargs
    )
    response["Cache-Control"] = cache
    return response


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
        "case_messages": []
        if violation.status in violation.OPEN_STATUSES
        else selectors.case_messages(violation),
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
    return _stored_file_response(link.file, cache="private, max-age=3600")


@login_required
@require_GET
def review_oversight(request: HttpRequest) -> HttpResponse:
    """Decisions per officer in the person's units: approvals, rejections and corrections."""
    _require(request, "etle.oversee_violation")
    return render(request, "etle/review_oversight.html", {"rows": selectors.decision_rates(request.user)})


# --- Letters: the staff case view, the letter PDF and the wrong-address work list ------------------


@login_required
@require_GET
def staff_case(request: HttpRequest, tracking: str) -> HttpResponse:
    """A case at a glance for traffic staff: status, addressee, deadlines, the letter and its messages."""
    _require(request, "etle.view_violation")
    violation = selectors.case_for_staff(request.user, tracking)
    if violation is None:
        raise Http404
    context = {
        "violation": violation,
        "kind": rules.violation_type(violation.violation_code),
        "addressee": services.addressee(violation),
        "case_messages": selectors.case_messages(violation),
        "return_reason": _return_reason(violation.return_reason),
    }
    return render(request, "etle/staff_case.html", context)


def _return_reason(code: str) -> str:
    from bersih.notify.rules import RETURN_REASONS

    return str(RETURN_REASONS.get(code, code))


@login_required
@require_GET
def letter_pdf(request: HttpRequest, tracking: str) -> FileResponse:
    """The case's current signed letter, for staff whose scope holds the case (404 otherwise)."""
    _require(request, "etle.view_violation")
    violation = selectors.case_for_staff(request.user, tracking)
    if violation is None or violation.letter is None:
        raise Http404
    name = f"surat-{violation.tracking_number}.pdf"
    response = _stored_file_response(
        violation.letter.file, cache="private, no-store", content_type="application/pdf", filename=name
    )
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


@login_required
@require_GET
def wrong_address(request: HttpRequest) -> HttpResponse:
    """The wrong-address work list: returned letters of the person's units, the oldest return first."""
    _require(request, "etle.letter_violation")
    page = selectors.returned_cases_page(request.user, request.GET.get("page"))
    for violation in page.object_list:
        violation.addressee = services.addressee(violation)
        violation.return_reason_label = _return_reason(violation.return_reason)
    return render(request, "etle/wrong_address.html", {"page_obj": page})


def _returned_or_404(request: HttpRequest, tracking: str):
    _require(request, "etle.letter_violation")
    violation = selectors.returned_case(request.user, tracking)
    if violation is None:
        raise Http404
    return violation


def _render_returned(request, violation, resend_form=None, close_form=None, status: int = 200):
    person = services.addressee(violation)
    context = {
        "violation": violation,
        "addressee": person,
        "return_reason": _return_reason(violation.return_reason),
        "resend_form": resend_form or ResendForm(initial={"address": person["address"]}),
        "close_form": close_form or CloseForm(),
        "case_messages": selectors.case_messages(violation),
    }
    return render(request, "etle/wrong_address_case.html", context, status=status)


@login_required
@require_GET
def wrong_address_case(request: HttpRequest, tracking: str) -> HttpResponse:
    return _render_returned(request, _returned_or_404(request, tracking))


_LETTER_DONE = {
    "kirim-ulang": _("A new letter for case %(number)s was sent to the corrected address."),
    "tutup": _("Case %(number)s was closed as undeliverable."),
}


@login_required
@require_POST
def wrong_address_act(request: HttpRequest, tracking: str, act: str) -> HttpResponse:
    """Resend to a corrected address (``kirim-ulang``) or close as undeliverable (``tutup``)."""
    if act not in _LETTER_DONE:
        raise Http404
    violation = _returned_or_404(request, tracking)
    form = (ResendForm if act == "kirim-ulang" else CloseForm)(request.POST)
    forms = {"resend_form": form} if act == "kirim-ulang" else {"close_form": form}
    if not form.is_valid():
        return _render_returned(request, violation, **forms, status=400)
    data = form.cleaned_data
    try:
        if act == "kirim-ulang":
            services.letter_resend(
                actor=request.user,
                violation=violation,
                address=data["address"],
                phone=data["phone"],
                email=data["email"],
            )
        else:
            services.violation_close_undeliverable(
                actor=request.user, violation=violation, reason=data["reason"]
            )
    except ValidationError as exc:
        field = getattr(exc, "code", None)
        form.add_error(field if field in form.fields else None, exc)
        return _render_returned(request, violation, **forms, status=400)
    messages.success(request, _LETTER_DONE[act] % {"number": violation.tracking_number})
    return redirect("etle:wrong-address")


# --- Payments -------------------------------------------------------------------------------------------


@login_required
@require_GET
def payments(request: HttpRequest) -> HttpResponse:
    """Virtual accounts and refunds of the person's units."""
    _require(request, "etle.view_payment")
    status = request.GET.get("status", "")
    context = {
        "page_obj": selectors.payments_page(request.user, status=status, page_number=request.GET.get("page")),
        "status": status if status in selectors.PAYMENT_STATUSES else "",
        "statuses": Payment.STATUS_CHOICES,
        "refunds": selectors.refunds_list(request.user),
        "settle_ids": set(selectors.refunds_manageable(request.user).values_list("pk", flat=True)),
    }
    return render(request, "etle/payments.html", context)


@login_required
@require_POST
def refund_pay(request: HttpRequest, refund_id: int) -> HttpResponse:
    _require(request, "etle.settle_refund")
    refund = selectors.refunds_manageable(request.user).filter(pk=refund_id).first()
    if refund is None:
        raise Http404
    form = RefundPayForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(m for errors in form.errors.values() for m in errors))
        return redirect("etle:payments")
    try:
        services.refund_pay(actor=request.user, refund=refund, reference=form.cleaned_data["reference"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("The refund of case %(number)s is recorded as paid.")
            % {"number": refund.violation.tracking_number},
        )
    return redirect("etle:payments")


def _verdict_case(request: HttpRequest, tracking: str):
    _require(request, "etle.verdict_violation")
    case = selectors.verdict_cases(request.user).filter(tracking_number=tracking).first()
    if case is None:
        raise Http404
    return case


@login_required
def verdict(request: HttpRequest, tracking: str) -> HttpResponse:
    """Record the court's fine for a confirmed case."""
    if request.method not in ("GET", "POST"):
        return HttpResponse(status=405, headers={"Allow": "GET, POST"})
    case = _verdict_case(request, tracking)
    form = VerdictForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.verdict_record(actor=request.user, violation=case, fine=form.cleaned_data["fine"])
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(
                    request,
                    _("The verdict of case %(number)s is recorded.") % {"number": case.tracking_number},
                )
                return redirect("etle:payments")
        status = 400
    context = {
        "violation": case,
        "form": form,
        "payments": list(case.payments.order_by("opened_at", "id")),
        "article": rules.VERDICT_ARTICLE,
    }
    return render(request, "etle/verdict.html", context, status=status)


@login_required
def reconciliation(request: HttpRequest) -> HttpResponse:
    """The reconciliation runs, and the upload of a bank statement."""
    if request.method not in ("GET", "POST"):
        return HttpResponse(status=405, headers={"Allow": "GET, POST"})
    _require(request, "etle.view_reconciliationrun")
    units = (
        selectors.reconciliation_units(request.user)
        if request.user.has_perm("etle.add_reconciliationrun")
        else []
    )
    posted = request.method == "POST"
    form = StatementForm(
        request.POST if posted else None,
        request.FILES if posted else None,
        units=units,
        initial={"unit": units[0] if units else None},
    )
    status = 200
    if request.method == "POST":
        if not units:
            raise PermissionDenied
        if form.is_valid():
            upload = form.cleaned_data["statement"]
            try:
                if upload.size > rules.MAX_STATEMENT_BYTES:
                    raise ValidationError(
                        _("The statement is larger than %(limit)d bytes.")
                        % {"limit": rules.MAX_STATEMENT_BYTES}
                    )
                run = services.reconciliation_run(
                    actor=request.user,
                    unit=form.cleaned_data["unit"],
                    content=upload.read(),
                    day=form.cleaned_data["day"],
                    file_name=upload.name,
                )
            except ValidationError as exc:
                form.add_error("statement", exc)
            else:
                return redirect("etle:reconciliation-run", run_id=run.pk)
        status = 400
    context = {"runs": selectors.reconciliation_runs(request.user), "form": form if units else None}
    return render(request, "etle/reconciliation.html", context, status=status)


@login_required
@require_GET
def reconciliation_run(request: HttpRequest, run_id: int) -> HttpResponse:
    _require(request, "etle.view_reconciliationrun")
    run = selectors.reconciliation_run(request.user, run_id)
    if run is None:
        raise Http404
    rows = [
        {**item, "label": services.MISMATCH_KINDS.get(item["kind"], item["kind"])} for item in run.mismatches
    ]
    return render(request, "etle/reconciliation_run.html", {"run": run, "rows": rows})


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
        # The letter's link and QR carry the code and the plate: the owner only has to press the button.
        initial = {
            "reference_code": request.GET.get(rules.CONFIRMATION_CODE_PARAM, "")[:40],
            "plate": request.GET.get(rules.CONFIRMATION_PLATE_PARAM, "")[:20],
        }
        return _lookup_page(request, LookupForm(initial=initial))
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
    return _stored_file_response(link.file, cache="private, no-store")


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
    response = _stored_file_response(link.file, cache="private, no-store")  # verified before the log
    ledger.record_read(
        actor=request.user,
        subject=link,
        reason=f"dispute review {tracking} ({link.role})",
        unit=link.confirmation.violation.unit,
    )
    return response


# --- STNK blocks ----------------------------------------------------------------------------------


def _export_form(request: HttpRequest, data=None) -> BlockExportForm:
    start, end = selectors.default_period()
    units = units_visible_to(request.user).order_by("path")
    return BlockExportForm(data, units=units, initial={"start": start, "end": end})


@login_required
@require_GET
def blocks(request: HttpRequest) -> HttpResponse:
    """Blocked cases a supervisor may lift, and the download of the block records for Samsat."""
    may_lift = request.user.has_perm("etle.unblock_violation")
    if not may_lift and not request.user.has_perm("etle.view_stnkblock"):
        raise PermissionDenied
    page = None
    if may_lift:
        page = Paginator(selectors.blocked_cases(request.user), rules.REVIEW_PAGE_SIZE).get_page(
            request.GET.get("page")
        )
    context = {
        "page_obj": page,
        "export_form": _export_form(request) if request.user.has_perm("etle.view_stnkblock") else None,
        "block_reasons": rules.BLOCK_REASONS,
    }
    return render(request, "etle/blocks.html", context)


@login_required
@require_GET
def blocks_download(request: HttpRequest) -> HttpResponse:
    """The block and unblock records of a period (and a unit) as CSV, as Samsat reads them."""
    _require(request, "etle.view_stnkblock")
    form = _export_form(request, request.GET)
    if not form.is_valid():
        context = {"page_obj": None, "export_form": form, "block_reasons": rules.BLOCK_REASONS}
        return render(request, "etle/blocks.html", context, status=400)
    data = form.cleaned_data
    records = selectors.block_records(request.user, start=data["start"], end=data["end"], unit=data["unit"])
    response = StreamingHttpResponse(
        exports.csv_lines(records.iterator(chunk_size=2000)), content_type="text/csv; charset=utf-8"
    )
    name = f"stnk-blocks-{data['start']:%Y%m%d}-{data['end']:%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _lift_page(request, violation, form, status=200):
    return render(request, "etle/block_lift.html", {"violation": violation, "form": form}, status=status)


@login_required
def block_lift(request: HttpRequest, tracking: str) -> HttpResponse:
    """A supervisor lifts a case's block for a reason of the list; the case is closed."""
    _require(request, "etle.unblock_violation")
    violation = selectors.blocked_case(request.user, tracking)
    if violation is None:
        raise Http404
    if request.method != "POST":
        return _lift_page(request, violation, LiftForm())
    form = LiftForm(request.POST)
    if not form.is_valid():
        return _lift_page(request, violation, form, status=400)
    try:
        services.block_lift_manual(
            actor=request.user,
            violation=violation,
            reason=form.cleaned_data["reason"],
            note=form.cleaned_data["note"],
        )
    except ValidationError as exc:
        form.add_error(None, exc)
        return _lift_page(request, violation, form, status=400)
    messages.success(
        request, _("The block of case %(number)s was lifted.") % {"number": violation.tracking_number}
    )
    return redirect("etle:blocks")


# --- Dashboard ------------------------------------------------------------------------------------


def _days(age) -> float | None:
    return None if age is None else round(age.total_seconds() / 86400, 1)


def _label_every(count: int) -> int:
    return max(1, -(-count // 10))


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """The funnel, where and when violations happen, the review backlog and the officers' work."""
    _require(request, "etle.oversee_violation")
    start, end = selectors.default_period()
    form = PeriodForm(request.GET or None, initial={"start": start, "end": end})
    status = 200
    if form.is_bound:
        if form.is_valid():
            start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        else:
            status = 400
    data = selectors.dashboard(request.user, start=start, end=end)
    funnel = data["funnel"]
    stages = [
        (_("Captured"), funnel["captured"]),
        (_("Approved"), funnel["approved"]),
        (_("Letter sent"), funnel["sent"]),
        (_("Confirmed"), funnel["confirmed"]),
        (_("Paid"), funnel["paid"]),
    ]
    outcomes = [
        (_("In review"), funnel["in_review"]),
        (_("Rejected"), funnel["rejected"]),
        (_("Letter returned"), funnel["returned"]),
        (_("Disputed"), funnel["disputed"]),
        (_("STNK blocked"), funnel["blocked"]),
        (_("Cancelled"), funnel["cancelled"]),
    ]
    types = [(row["kind"].name if row["kind"] else row["code"], row["count"]) for row in data["by_type"]]
    days = [(f"{row['day']:%d/%m}", row["count"]) for row in data["by_day"]]
    context = {
        "form": form,
        "data": data,
        "stages": stages,
        "outcomes": outcomes,
        "funnel_chart": charts.horizontal([(str(label), value) for label, value in stages]),
        "outcome_chart": charts.horizontal([(str(label), value) for label, value in outcomes]),
        "camera_chart": charts.horizontal([(row["name"], row["count"]) for row in data["by_camera"]]),
        "type_chart": charts.horizontal(types),
        "types": types,
        "hour_chart": charts.columns(
            [(f"{row['hour']:02d}", row["count"]) for row in data["by_hour"]], label_every=3
        ),
        "day_chart": charts.columns(days, label_every=_label_every(len(days))),
        "backlog_oldest_days": _days(data["backlog"]["oldest_age"]),
        "backlog_median_days": _days(data["backlog"]["median_age"]),
    }
    return render(request, "etle/dashboard.html", context, status=status)

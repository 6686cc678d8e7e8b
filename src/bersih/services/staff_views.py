"""Staff pages of Sipmas (handling): the case list, the due-soon and breached lists, the case page with
its steps, notes, assignment, files and the logged read of a complainant's identity; and the
citizen's download of a product with the case's secret. No business logic: parse, call, render."""

from __future__ import annotations

from io import BytesIO

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from bersih.core.selectors import units_visible_to
from bersih.core.tracking import lookup_guard
from bersih.documents.models import StoredFileCorrupt

from . import rules, selectors, services
from .models import CaseAttachment
from .staff_forms import AssignForm, CaseFilterForm, IdentityForm, NoteForm, StepForm

PRODUCT_GUARD_SCOPE = "services-product"


def _require(request: HttpRequest, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied


def _case_or_404(request: HttpRequest, tracking: str):
    _require(request, "services.view_case")
    case = selectors.staff_case(request.user, tracking)
    if case is None:
        raise Http404
    return case


def _file_response(stored, *, name: str, inline: bool = False) -> FileResponse:
    """Verified bytes of a stored file (404 when storage no longer matches the hash: never shown)."""
    try:
        data = stored.read_verified()
    except StoredFileCorrupt:
        raise Http404("stored file does not match its hash") from None
    response = FileResponse(
        BytesIO(data), content_type=stored.content_type, as_attachment=not inline, filename=name
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- Lists ------------------------------------------------------------------------------------------


@login_required
@require_GET
def cases(request: HttpRequest) -> HttpResponse:
    """The cases in the officer's scope, filtered, with their clocks."""
    _require(request, "services.view_case")
    form = CaseFilterForm(request.GET or None, units=units_visible_to(request.user).order_by("path"))
    filters = form.filters() if request.GET else selectors.CaseFilters()
    page = selectors.staff_cases_page(request.user, filters, request.GET.get("page"))
    return render(
        request, "services/staff_cases.html", {"form": form, "page_obj": page, "now": timezone.now()}
    )


@login_required
@require_GET
def late(request: HttpRequest) -> HttpResponse:
    """Open cases whose clock runs out soon or has run out, with who owns them."""
    _require(request, "services.view_case")
    context = selectors.late_cases(request.user)
    context["due_soon_hours"] = rules.DUE_SOON_HOURS
    return render(request, "services/staff_late.html", context)


# --- The case page ----------------------------------------------------------------------------------


def _may_handle(request, case) -> bool:
    return request.user.has_perm("services.handle_case") and case.closed_at is None


def _render_case(request, case, *, forms=None, identity=None, status: int = 200) -> HttpResponse:
    forms = forms or {}
    requester = None
    identity_shown = identity is not None
    if not case.identity_is_secret:  # an applicant: read by the unit serving them
        requester = services.reporter_identity_read(actor=request.user, case=case)
    elif identity_shown:
        requester = identity
    handle = _may_handle(request, case)
    context = {
        "case": case,
        "events": _labelled(case, selectors.case_events(case)),
        "files": selectors.case_files(case),
        "products": selectors.case_products(case),
        "requester": requester,
        "identity_shown": identity_shown,
        "anonymous": case.privacy == "anonim",
        "may_handle": handle,
        "may_read_identity": case.identity_is_secret and case.assignee_id == request.user.pk,
        "step_form": (forms.get("step") or StepForm(case=case)) if handle else None,
        "note_form": forms.get("note") or NoteForm()
        if request.user.has_perm("services.handle_case")
        else None,
        "assign_form": (forms.get("assign") or AssignForm(case=case)) if handle else None,
        "identity_form": forms.get("identity") or IdentityForm(),
        "category_label": rules.COMPLAINT_CATEGORIES.get(case.category, {}).get("label", ""),
        "privacy_label": rules.PRIVACY_MODES.get(case.privacy, ""),
        "escalation_label": rules.ESCALATION_LEVELS.get(case.escalation_level, ""),
        "now": timezone.now(),
    }
    return render(request, "services/staff_case.html", context, status=status)


def _labelled(case, events):
    steps = case.standard.steps
    for event in events:
        event.step_label = steps[event.status].label if event.status in steps else event.status
    return events


@login_required
@require_GET
def case(request: HttpRequest, tracking: str) -> HttpResponse:
    return _render_case(request, _case_or_404(request, tracking))


def _fail(request, case, key: str, form, exc: ValidationError) -> HttpResponse:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)
    return _render_case(request, case, forms={key: form}, status=400)


@login_required
@require_POST
def case_step(request: HttpRequest, tracking: str) -> HttpResponse:
    case = _case_or_404(request, tracking)
    _require(request, "services.handle_case")
    form = StepForm(request.POST, case=case)
    if not form.is_valid():
        return _render_case(request, case, forms={"step": form}, status=400)
    try:
        services.case_transition(
            actor=request.user, case=case, status=form.cleaned_data["status"], reason=form.reason_text()
        )
    except ValidationError as exc:
        return _fail(request, case, "step", form, exc)
    messages.success(request, _("Case %(number)s moved to its next step.") % {"number": case.tracking_number})
    return redirect("services:case", tracking=case.tracking_number)


@login_required
@require_POST
def case_note(request: HttpRequest, tracking: str) -> HttpResponse:
    case = _case_or_404(request, tracking)
    _require(request, "services.handle_case")
    form = NoteForm(request.POST)
    if not form.is_valid():
        return _render_case(request, case, forms={"note": form}, status=400)
    try:
        services.case_note(
            actor=request.user, case=case, text=form.cleaned_data["text"], public=form.cleaned_data["public"]
        )
    except ValidationError as exc:
        return _fail(request, case, "note", form, exc)
    messages.success(request, _("Note added."))
    return redirect("services:case", tracking=case.tracking_number)


@login_required
@require_POST
def case_assign(request: HttpRequest, tracking: str) -> HttpResponse:
    case = _case_or_404(request, tracking)
    _require(request, "services.handle_case")
    form = AssignForm(request.POST, case=case)
    if not form.is_valid():
        return _render_case(request, case, forms={"assign": form}, status=400)
    try:
        services.case_assign(
            actor=request.user,
            case=case,
            unit=form.cleaned_data["unit"],
            assignee=form.cleaned_data["assignee"],
        )
    except ValidationError as exc:
        return _fail(request, case, "assign", form, exc)
    messages.success(request, _("Case %(number)s assigned.") % {"number": case.tracking_number})
    if selectors.staff_case(request.user, case.tracking_number) is None:  # routed out of one's scope
        return redirect("services:cases")
    return redirect("services:case", tracking=case.tracking_number)


@login_required
@require_POST
def case_identity(request: HttpRequest, tracking: str) -> HttpResponse:
    """Show who filed a complaint: only its handling officer, each read a ledger entry."""
    case = _case_or_404(request, tracking)
    form = IdentityForm(request.POST)
    if not form.is_valid():
        return _render_case(request, case, forms={"identity": form}, status=400)
    try:
        requester = services.reporter_identity_read(
            actor=request.user, case=case, purpose=form.cleaned_data["purpose"]
        )
    except PermissionDenied as exc:
        form.add_error(None, str(exc))
        return _render_case(request, case, forms={"identity": form}, status=403)
    response = _render_case(request, case, identity=requester or False)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def case_file(request: HttpRequest, tracking: str, attachment_id: int) -> FileResponse:
    """A file of a case, for staff whose scope holds the case (404 otherwise)."""
    _require(request, "services.view_caseattachment")
    attachment: CaseAttachment | None = selectors.case_file(request.user, tracking, attachment_id)
    if attachment is None:
        raise Http404
    name = attachment.file.original_name or f"{attachment.file.sha256[:12]}"
    return _file_response(attachment.file, name=name)


# --- The citizen's download of a product ------------------------------------------------------------


@require_GET
def case_product(request: HttpRequest, code: str) -> HttpResponse:
    """A case's letter for the citizen: the document code and the case's secret (``?kode=``).

    Wrong secrets count against the connection (``lookup_guard``); an unknown code and a wrong secret
    answer the same 404."""
    guard = lookup_guard(request, PRODUCT_GUARD_SCOPE)
    if guard.blocked():
        return guard.refusal()
    case = selectors.case_of_product(code)
    secret = request.GET.get("kode", "")
    if case is None or not services.secret_matches(case.secret_digest, secret):
        guard.failed()
        raise Http404
    document = selectors.case_product_for_citizen(case, code)
    if document is None:
        raise Http404
    return _file_response(document.file, name=f"{document.code}.pdf")

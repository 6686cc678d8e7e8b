"""The public verification page and the staff download. No business logic: parse, call, render."""

from __future__ import annotations

from io import BytesIO

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from bersih.core.tracking import InvalidTrackingNumber, lookup_guard, parse

from . import rules
from .forms import CompareForm, VerifyForm
from .models import Document, StoredFileCorrupt
from .selectors import documents_for, issued_document_by_code, issued_document_by_sha256
from .services import upload_check
from .signing import verify_pdf

GUARD_SCOPE = "documents-verify"


def _blocked(request: HttpRequest, guard, form=None) -> HttpResponse:
    context = {"form": form or VerifyForm(), "error": guard.message()}
    response = render(request, "documents/verify.html", context, status=429)
    response["Retry-After"] = str(guard.retry_after)
    return response


def _check_file(uploaded):
    """(checked upload, verification result) or raise ValidationError for a refused file."""
    checked = upload_check(uploaded, allowed_types=rules.PDF, max_bytes=rules.MAX_VERIFY_BYTES)
    return checked, verify_pdf(checked.content)


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """Enter a code (→ the document's page) or upload any PDF (→ its signature, and whether we issued it)."""
    guard = lookup_guard(request, GUARD_SCOPE)
    if request.method == "GET" and "code" not in request.GET:
        return render(request, "documents/verify.html", {"form": VerifyForm()})
    form = VerifyForm(request.POST or request.GET, request.FILES or None)
    if not form.is_valid():
        return render(request, "documents/verify.html", {"form": form}, status=400)
    code, uploaded = form.cleaned_data["code"], form.cleaned_data["file"]
    document = None
    if code:
        try:
            code = str(parse(code))
        except InvalidTrackingNumber as exc:
            form.add_error("code", exc.reason)
            return render(request, "documents/verify.html", {"form": form}, status=400)
        if not uploaded:
            return redirect("documents:verify-code", code=code)
        if guard.blocked():
            return _blocked(request, guard, form)
        document = issued_document_by_code(code)
        if document is None:
            guard.failed()
            form.add_error("code", _("No document was issued with this code."))
            return render(request, "documents/verify.html", {"form": form}, status=404)
    try:
        checked, result = _check_file(uploaded)
    except ValidationError as exc:
        form.add_error("file", exc)
        return render(request, "documents/verify.html", {"form": form}, status=400)
    issued = issued_document_by_sha256(checked.sha256)
    context = {
        "form": VerifyForm(),
        "result": result,
        "document": document or issued,
        "matches": issued is not None and (document is None or issued.pk == document.pk),
        "compared": True,
        "sha256": checked.sha256,
    }
    return render(request, "documents/verify.html", context)


@require_http_methods(["GET", "POST"])
def verify_code(request: HttpRequest, code: str) -> HttpResponse:
    """What the QR code opens: the document's public facts, and a check of a PDF against it."""
    guard = lookup_guard(request, GUARD_SCOPE)
    if guard.blocked():
        return _blocked(request, guard)
    try:
        number = parse(code)
    except InvalidTrackingNumber as exc:
        guard.failed()
        form = VerifyForm(initial={"code": code})
        return render(request, "documents/verify.html", {"form": form, "error": exc.reason}, status=404)
    if str(number) != code:
        return redirect("documents:verify-code", code=str(number))
    document = issued_document_by_code(code)
    if document is None:
        guard.failed()
        form = VerifyForm(initial={"code": code})
        error = _("No document was issued with this code. Check the code printed under the QR code.")
        return render(request, "documents/verify.html", {"form": form, "error": error}, status=404)
    context = {"document": document, "compare_form": CompareForm()}
    status = 200
    if request.method == "POST":
        compare_form = CompareForm(request.POST, request.FILES)
        context["compare_form"] = compare_form
        if compare_form.is_valid():
            try:
                checked, result = _check_file(compare_form.cleaned_data["file"])
            except ValidationError as exc:
                compare_form.add_error("file", exc)
                status = 400
            else:
                context.update(
                    compared=True,
                    result=result,
                    matches=checked.sha256 == document.file.sha256,
                    sha256=checked.sha256,
                )
        else:
            status = 400
    return render(request, "documents/document_public.html", context, status=status)


@login_required
def document_list(request: HttpRequest) -> HttpResponse:
    """The newest documents of the units in the person's scope (none outside it)."""
    return render(request, "documents/document_list.html", {"documents": documents_for(request.user)})


@login_required
def download(request: HttpRequest, code: str) -> FileResponse:
    """The issued PDF, for staff whose scope includes the issuing unit (others get 404)."""
    document = get_object_or_404(
        Document.objects.restrict(request.user, "download").select_related("file"), code=code
    )
    try:
        data = document.file.read_verified()
    except StoredFileCorrupt:
        # Storage was tampered with or corrupted: never hand out bytes that are not the issued ones.
        raise Http404("stored file does not match its hash") from None
    return FileResponse(
        BytesIO(data), as_attachment=True, filename=f"{document.code}.pdf", content_type="application/pdf"
    )

"""Staff pages of the ledger (oversight and leadership): search, one record's history, status."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render

from . import keys, selectors
from .forms import EntryFilterForm
from .models import Checkpoint, Entry
from .verify import checkpoint_problem, export_checkpoint, verify_ledger

PAGE_SIZE = 50


def _require_viewer(request: HttpRequest) -> None:
    if not request.user.has_perm("ledger.view_entry"):
        raise PermissionDenied


@login_required
def entry_list(request: HttpRequest) -> HttpResponse:
    _require_viewer(request)
    form = EntryFilterForm(request.GET or None)
    if form.is_bound and form.is_valid():
        entries = selectors.search_entries(request.user, form.criteria())
    elif form.is_bound:
        entries = selectors.visible_entries(request.user).none()
    else:
        entries = selectors.search_entries(request.user, selectors.EntryFilter())
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("verify", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "checkpoint": _checkpoint_status(),
        "verification": verify_ledger() if request.GET.get("verify") == "1" else None,
    }
    return render(request, "ledger/entry_list.html", context)


@login_required
def subject_history(request: HttpRequest, subject_type: str, subject_id: str) -> HttpResponse:
    _require_viewer(request)
    entries = list(selectors.subject_history(request.user, subject_type, subject_id)[:1000])
    if not entries:
        # Nothing of it in the person's scope: answer as if it did not exist.
        raise Http404
    context = {"entries": entries, "subject_type": subject_type, "subject_id": subject_id}
    return render(request, "ledger/subject_history.html", context)


@login_required
def checkpoint_export(request: HttpRequest, pk: str, fmt: str) -> HttpResponse:
    """One checkpoint as JSON or a printable PDF page, for auditors to keep off-site."""
    if not request.user.has_perm("ledger.view_checkpoint"):
        raise PermissionDenied
    checkpoint = get_object_or_404(Checkpoint, pk=pk)
    exported = export_checkpoint(checkpoint)
    filename = f"bersih-ledger-checkpoint-{checkpoint.seq}.{fmt}"
    if fmt == "pdf":
        from .printing import checkpoint_pdf

        response = HttpResponse(checkpoint_pdf(exported), content_type="application/pdf")
    else:
        response = JsonResponse(exported, json_dumps_params={"indent": 2})
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _checkpoint_status() -> dict | None:
    """The latest checkpoint, and whether it still holds (signature, and the entry it signed)."""
    checkpoint = selectors.latest_checkpoint()
    if checkpoint is None:
        return None
    try:
        public_key = keys.load_public_key()
    except keys.KeyMissing as exc:
        return {"checkpoint": checkpoint, "problem": str(exc)}
    current = Entry.objects.filter(seq=checkpoint.seq).values_list("hash", flat=True).first()
    return {
        "checkpoint": checkpoint,
        "problem": checkpoint_problem(export_checkpoint(checkpoint), public_key, current),
    }

"""The outbox staff pages and the WhatsApp delivery-report webhook."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging

from django.conf import settings
from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from . import rules as policy
from . import selectors, services
from .forms import ReturnedLetterForm
from .models import Message, PostBatch, PostLetter

logger = logging.getLogger(__name__)


def _require(request: HttpRequest, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied


@login_required
def outbox(request: HttpRequest) -> HttpResponse:
    _require(request, "notify.view_message")
    status = request.GET.get("status", "")
    channel = request.GET.get("channel", "")
    page = selectors.messages_page(
        request.user, status=status, channel=channel, page=request.GET.get("page", 1)
    )
    counts = selectors.status_counts(request.user)
    return render(
        request,
        "notify/outbox/list.html",
        {
            "page": page,
            "status": status,
            "channel": channel,
            "statuses": policy.STATUSES,
            "channels": policy.CHANNELS,
            "counts": counts,
            # Every status is listed, with 0 where the outbox holds none of it.
            "status_counts": [(key, label, counts.get(key, 0)) for key, label in policy.STATUSES.items()],
            "can_retry": request.user.has_perm("notify.retry_message"),
        },
    )


@login_required
def message_detail(request: HttpRequest, ref) -> HttpResponse:
    _require(request, "notify.view_message")
    try:
        message = selectors.message_for(request.user, ref)
    except Message.DoesNotExist as exc:
        raise Http404 from exc
    return render(
        request,
        "notify/outbox/detail.html",
        {"message": message, "can_retry": request.user.has_perm("notify.retry_message")},
    )


@login_required
@require_POST
def message_retry(request: HttpRequest, ref) -> HttpResponse:
    _require(request, "notify.retry_message")
    try:
        message = selectors.message_for(request.user, ref, "retry")
    except Message.DoesNotExist as exc:
        raise Http404 from exc
    try:
        services.message_retry(actor=request.user, message=message)
    except ValidationError as exc:
        flash.error(request, " ".join(exc.messages))
    else:
        flash.success(request, _("The message is queued again."))
    return redirect("notify:message", ref=message.ref)


@login_required
@require_http_methods(["GET", "POST"])
def post_room(request: HttpRequest) -> HttpResponse:
    _require(request, "notify.view_postbatch")
    form = ReturnedLetterForm(request.POST or None)
    if request.method == "POST":
        _require(request, "notify.return_postletter")
        if form.is_valid():
            try:
                letter = selectors.letter_for(request.user, form.cleaned_data["tracking_code"])
                services.post_letter_return(
                    actor=request.user,
                    letter=letter,
                    reason=form.cleaned_data["reason"],
                    note=form.cleaned_data["note"],
                )
            except PostLetter.DoesNotExist:
                form.add_error("tracking_code", _("No letter with this tracking code in your scope."))
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                flash.success(request, _("The returned letter is recorded."))
                return redirect("notify:post")
    page = selectors.batches_page(request.user, page=request.GET.get("page", 1))
    return render(
        request,
        "notify/outbox/post.html",
        {"page": page, "form": form, "can_return": request.user.has_perm("notify.return_postletter")},
        status=400 if request.method == "POST" else 200,
    )


BATCH_FILES = {
    "letters.pdf": ("letters_pdf", "application/pdf"),
    "labels.pdf": ("labels_pdf", "application/pdf"),
    "manifest.csv": ("manifest_csv", "text/csv; charset=utf-8"),
    "manifest.pdf": ("manifest_pdf", "application/pdf"),
}


@login_required
def batch_file(request: HttpRequest, ref, name: str) -> HttpResponse:
    _require(request, "notify.view_postbatch")
    if name not in BATCH_FILES:
        raise Http404
    try:
        batch = selectors.batch_for(request.user, ref)
    except PostBatch.DoesNotExist as exc:
        raise Http404 from exc
    field, content_type = BATCH_FILES[name]
    path = getattr(batch, field)
    if not path:
        raise Http404
    filename = f"surat-{batch.unit.code}-{batch.day:%Y%m%d}-{name}"
    return FileResponse(default_storage.open(path, "rb"), content_type=content_type, filename=filename)


# --- WhatsApp webhook -----------------------------------------------------------------------------


def signature_valid(body: bytes, header: str, secret: str) -> bool:
    """Meta signs each webhook body: ``X-Hub-Signature-256: sha256=<HMAC-SHA256(app secret, body)>``."""
    if not secret or not header.startswith("sha256="):
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header.removeprefix("sha256="))


@csrf_exempt
@require_http_methods(["GET", "POST"])
def whatsapp_webhook(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":  # Meta's subscription handshake
        token = settings.WHATSAPP_VERIFY_TOKEN
        if (
            token
            and request.GET.get("hub.mode") == "subscribe"
            and hmac.compare_digest(request.GET.get("hub.verify_token", ""), token)
        ):
            return HttpResponse(request.GET.get("hub.challenge", ""), content_type="text/plain")
        return HttpResponseForbidden("verification failed")
    body = request.body
    if not signature_valid(
        body, request.headers.get("X-Hub-Signature-256", ""), settings.WHATSAPP_APP_SECRET
    ):
        logger.warning("WhatsApp webhook with a bad signature refused")
        return HttpResponseForbidden("bad signature")
    try:
        payload = json.loads(body)
        if not isinstance(payload, dict):
            raise ValueError("not an object")
    except ValueError:
        return HttpResponse("malformed payload", status=400, content_type="text/plain")
    changed = services.whatsapp_statuses_record(payload=payload)
    return HttpResponse(f"ok {changed}", content_type="text/plain")

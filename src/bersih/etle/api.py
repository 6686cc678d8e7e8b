"""Camera events in: the vendor-neutral JSON batch and the Hikvision ISAPI ANPR push; the bank's
payment notifications.

Only camera clients post events (API keys with the scope ``etle:events``), and each only for the
cameras registered to it. A batch is answered item by item; problem+json is kept for whole-request
errors. The bank signs its notifications with a shared secret instead of an API key. Samsat reads
the STNK block and unblock records with the scope ``etle:blocks`` (``GET blocks``).
"""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from pydantic import ValidationError as PydanticError

from bersih.core import bank
from bersih.core.api import ApiError, InputSchema, api_actor, require_scope, restrict_for
from bersih.core.errors import PROBLEM_BASE
from bersih.core.models import ApiClient

from . import exports, hikvision, rules, selectors, services
from .models import Camera, Capture, StnkBlock
from .services.payments import BankPaymentIn

router = Router(tags=["etle"])


class EventBatchIn(InputSchema):
    camera: str = Field(min_length=1, max_length=40, description="The camera's code.")
    events: list[Any] = Field(
        max_length=rules.MAX_BATCH_ITEMS, description="Events in the vendor-neutral format (EventIn)."
    )


class EventResultOut(Schema):
    index: int
    status: int
    outcome: str
    event_id: str = ""
    id: str | None = None  # the violation's tracking number
    review: list[str] = []
    problem: dict | None = None


class BatchOut(Schema):
    accepted: int
    merged: int
    duplicate: int
    rejected: int
    items: list[EventResultOut]


def _item_out(result: services.ItemResult) -> dict:
    problem = None
    if not result.ok:
        problem = {
            "type": PROBLEM_BASE + result.problem_type,
            "title": result.reason,
            "status": result.status,
        }
        if result.errors:
            problem["errors"] = result.errors
    return {
        "index": result.index,
        "status": result.status,
        "outcome": result.outcome,
        "event_id": result.event_id,
        "id": result.tracking_number or None,
        "review": result.review_reasons,
        "problem": problem,
    }


def _batch_out(results) -> dict:
    counts = {outcome: 0 for outcome in ("accepted", "merged", "duplicate", "rejected")}
    for result in results:
        counts[result.outcome] += 1
    return {**counts, "items": [_item_out(r) for r in results]}


def _check_size(request) -> None:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > rules.MAX_REQUEST_BYTES:
        raise ApiError(
            413,
            "payload-too-large",
            detail=_("The request body is larger than %(limit)d bytes.") % {"limit": rules.MAX_REQUEST_BYTES},
        )


def camera_for(request, code: str) -> Camera:
    """The camera the caller may post for: unknown or inactive → 401; another client's → 403."""
    client = request.auth
    if not isinstance(client, ApiClient):
        raise ApiError(403, "forbidden", detail=_("Only camera clients post events, with an API key."))
    camera = Camera.objects.filter(code=code, active=True).first()
    if camera is None:
        raise ApiError(401, "unauthenticated", _("Unknown camera"), _("No active camera has this code."))
    if camera.api_client_id != client.pk:
        raise ApiError(
            403, "forbidden", detail=_("This API key may not post for camera %(camera)s.") % {"camera": code}
        )
    return camera


def _read_batch(request) -> tuple[EventBatchIn, dict]:
    content_type = request.content_type or ""
    if content_type == "multipart/form-data":
        raw, files = request.POST.get("batch"), request.FILES
        if raw is None:
            raise ApiError(400, "bad-request", detail=_("A multipart batch needs a part named 'batch'."))
    elif content_type == "application/json":
        raw, files = request.body, {}
    else:
        raise ApiError(
            400, "bad-request", _("Unsupported media type"), _("Send JSON or multipart/form-data.")
        )
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ApiError(400, "malformed-json", detail=_("The request body is not valid JSON.")) from None
    try:
        return EventBatchIn.model_validate(data), files
    except PydanticError as exc:
        errors = [
            {"loc": ["body", *e.get("loc", ())], "msg": e.get("msg", ""), "type": e.get("type", "")}
            for e in exc.errors(include_url=False, include_input=False)
        ]
        raise ApiError(
            422, "validation-error", detail=_("The request does not match the schema."), errors=errors
        ) from None


_BATCH_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": EventBatchIn.model_json_schema()},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["batch"],
                    "properties": {
                        "batch": {"type": "string", "description": "The JSON batch."},
                    },
                    "additionalProperties": {"type": "string", "format": "binary"},
                }
            },
        },
    }
}


@router.post("events", response={200: BatchOut}, openapi_extra=_BATCH_BODY)
@require_scope("etle:events")
def post_events(request):
    """A batch of camera events (at most 1,000), answered item by item.

    JSON, or multipart/form-data with the JSON in the part `batch` and pictures in other parts that
    events name as `{"role": "scene", "part": "<part name>"}`.
    """
    _check_size(request)
    batch, files = _read_batch(request)
    camera = camera_for(request, batch.camera)
    results = services.captures_ingest(
        actor=api_actor(request), camera=camera, items=batch.events, files=files
    )
    return Status(200, _batch_out(results))


@router.post(
    "hikvision/{camera}",
    response={200: EventResultOut, 201: EventResultOut},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["anpr.xml"],
                        "additionalProperties": {"type": "string", "format": "binary"},
                    }
                },
                "application/xml": {"schema": {"type": "string"}},
            },
        }
    },
)
@require_scope("etle:events")
def post_hikvision(request, camera: str):
    """A Hikvision ISAPI ANPR push: `anpr.xml` (EventNotificationAlert) and its pictures."""
    _check_size(request)
    target = camera_for(request, camera)
    xml, files = _read_anpr(request)
    try:
        item = hikvision.parse_anpr(xml, camera=target)
    except hikvision.HikvisionError as exc:
        raise ApiError(400, "bad-request", _("Unreadable ANPR alert"), exc.message, reason=exc.code) from None
    # The alert lists the pictures the camera took; those it did not send are simply not evidence.
    pictures = [p for p in item.pop("images", []) if p["part"] in files]
    if pictures:
        item["images"] = pictures
    (result,) = services.captures_ingest(
        actor=api_actor(request), camera=target, items=[item], source=Capture.HIKVISION, files=files
    )
    if not result.ok:
        raise ApiError(result.status, result.problem_type, result.reason, result.reason, errors=result.errors)
    return Status(result.status, _item_out(result))


def _read_anpr(request) -> tuple[bytes, dict]:
    content_type = request.content_type or ""
    if content_type == "multipart/form-data":
        files = request.FILES
        upload = files.get("anpr.xml")
        if upload is not None:
            return _read_xml_upload(upload), files
        if "anpr.xml" in request.POST:
            return request.POST["anpr.xml"].encode(), files
        raise ApiError(400, "bad-request", detail=_("The push has no part named anpr.xml."))
    if content_type in ("application/xml", "text/xml"):
        return request.body, {}
    raise ApiError(400, "bad-request", _("Unsupported media type"), _("Send multipart/form-data or XML."))


def _read_xml_upload(upload) -> bytes:
    if upload.size > hikvision.MAX_XML_BYTES:
        raise ApiError(400, "bad-request", detail=_("The XML document is too large."))
    return upload.read()


# --- The bank's payment notification ------------------------------------------------------------------


class BankPaymentOut(Schema):
    status: str
    va_number: str
    amount: int
    paid_at: str
    bank_reference: str
    tracking_number: str


@router.post(
    "payments",
    auth=None,
    response={200: BankPaymentOut},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": BankPaymentIn.model_json_schema()}},
        },
        "parameters": bank.signature_headers_openapi(),
    },
)
def post_payment(request):
    """The bank's notification that a virtual account was paid.

    Signed, not keyed: `X-Bersih-Signature` is the hex HMAC-SHA256 of `X-Bersih-Timestamp + "." + body`
    with the secret shared with the bank; a timestamp more than 5 minutes off is refused. The same
    `bank_reference` again answers 200 with the first answer; with other content, 409.
    """
    body, size = bank.read_callback(request, rules.MAX_CALLBACK_BYTES)
    result = services.bank_callback_receive(
        body=body,
        timestamp=request.headers.get("X-Bersih-Timestamp"),
        signature=request.headers.get("X-Bersih-Signature"),
        size=size,
    )
    if not result.ok:
        extra = {"errors": result.errors} if result.errors else {}
        headers = {"WWW-Authenticate": 'HMAC realm="bersih-bank"'} if result.status == 401 else None
        raise ApiError(
            result.status,
            result.problem_type,
            detail=result.detail,
            reason=result.reason,
            headers=headers,
            **extra,
        )
    return Status(200, result.body)


# --- STNK blocks (Samsat) -------------------------------------------------------------------------


class BlocksQuery(Schema):
    after: int = Field(0, ge=0, description="The id of the last record already read (0: from the start).")
    limit: int = Field(
        rules.BLOCKS_PAGE_DEFAULT,
        ge=1,
        le=rules.BLOCKS_PAGE_MAX,
        description=f"Records per page (at most {rules.BLOCKS_PAGE_MAX}).",
    )


class BlockOut(Schema):
    id: int = Field(description="The record's id: the cursor.")
    action: str = Field(description="`block` or `unblock`.")
    plate: str
    tracking_number: str
    reason: str = Field(description="Why: `not_confirmed`, `not_paid`; `paid`, `cancelled`, … for unblocks.")
    at: str = Field(description="When, ISO 8601 with the WIB offset.")
    unit: str = Field(description="The code of the unit whose case it is.")


class BlocksOut(Schema):
    items: list[BlockOut]
    next: int = Field(description="The cursor to ask with next time: the last id read (or `after`).")
    more: bool = Field(description="True when more records wait now (the page was full).")


@router.get("blocks", response={200: BlocksOut})
@require_scope("etle:blocks")
def get_blocks(request, query: Query[BlocksQuery]):
    """STNK block and unblock records in id order, after the cursor `after`, for Samsat.

    Read in a loop: ask with `after=next` until `more` is false, then later again with the last
    `next`. A cursor past the last record there is answers 422 (a client's state from another server).
    Records are those of the cases of the key's unit subtree.
    """
    if not isinstance(request.auth, ApiClient) and not request.auth.has_perm("etle.view_stnkblock"):
        raise PermissionDenied
    if query.after > selectors.last_block_id():
        raise ApiError(
            422,
            "validation-error",
            detail=_("The cursor is past the last record."),
            errors=[{"loc": ["query", "after"], "msg": "cursor past the last record", "type": "bad_cursor"}],
        )
    records = selectors.block_feed(
        restrict_for(request, StnkBlock.objects.all()), after=query.after, limit=query.limit + 1
    )
    page = records[: query.limit]
    items = [exports.block_out(record) for record in page]
    return Status(
        200,
        {
            "items": items,
            "next": items[-1]["id"] if items else query.after,
            "more": len(records) > query.limit,
        },
    )

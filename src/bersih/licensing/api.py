"""The bank's notification that a SIM fee was paid (virtual account or QRIS).

Two locks on one door: the bank's API key with the scope ``licensing:payments`` (a staff session is
refused: no person reports a payment), and the body signed with the secret shared with the bank,
judged by the platform's ``bersih.core.bank`` exactly like ETLE's notifications. Every notification
that reaches the operation is logged (``FeeCallback``), accepted or refused.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from bersih.core import bank
from bersih.core.api import ApiError, require_scope
from bersih.core.models import ApiClient

from . import rules, services

router = Router(tags=["licensing"])


class FeePaymentOut(Schema):
    status: str
    va_number: str
    amount: int
    paid_at: str
    bank_reference: str
    channel: str
    tracking_number: str
    stage: str


@router.post(
    "payments",
    response={200: FeePaymentOut},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": services.FeePaymentIn.model_json_schema()}},
        },
        "parameters": bank.signature_headers_openapi(),
    },
)
@require_scope("licensing:payments")
def post_payment(request):
    """The bank's notification that the SIM fee of a virtual account was paid.

    Keyed and signed: `X-Bersih-Signature` is the hex HMAC-SHA256 of `X-Bersih-Timestamp + "." + body`
    with the secret shared with the bank; a timestamp more than 5 minutes off is refused. The applicant
    waiting at the payment stage moves on to the next stage. The same `bank_reference` again answers
    200 with the first answer; with other content, 409; a second payment of a paid fee, 409.
    """
    if not isinstance(request.auth, ApiClient):
        raise ApiError(403, "forbidden", detail=_("Only the bank's API key reports SIM fee payments."))
    body, size = bank.read_callback(request, rules.MAX_CALLBACK_BYTES)
    result = services.fee_callback_receive(
        body=body,
        timestamp=request.headers.get("X-Bersih-Timestamp"),
        signature=request.headers.get("X-Bersih-Signature"),
        size=size,
        client=request.auth,
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

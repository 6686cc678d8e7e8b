"""The SIM fee: a virtual account opened when the applicant reaches the payment stage, settled only by
the bank's signed callback, which moves the applicant on. No cash is taken or recorded anywhere.

The callback's envelope (size, signature, timestamp window, JSON, schema) is judged by the platform's
``bersih.core.bank``, the same as ETLE's; what follows (the account, a repeated reference, the amount)
is decided here, and every notification is logged in ``FeeCallback`` whatever its outcome.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from bersih import ledger
from bersih.core import bank
from bersih.core.formatting import rupiah
from bersih.ledger.services import SYSTEM, SystemActor

from .. import keys, rules
from ..models import FeeCallback, FeePayment, LineEntry, Ticket
from .line import complete_stage


def virtual_account_new() -> str:
    """A fresh 15-digit number: the bank's prefix, random digits, a Luhn check digit."""
    return bank.virtual_account_number(
        rules.va_prefix(),
        rules.VA_LENGTH,
        lambda number: FeePayment.objects.filter(va_number=number).exists(),
    )


def fee_payment_reached(ticket: Ticket, now: datetime) -> FeePayment:
    """The applicant joined the payment line (in the caller's transaction): open the fee's virtual
    account, or, if it was already paid, move them straight on."""
    application = ticket.application
    payment = FeePayment.objects.filter(application=application).first()
    if payment is None:
        payment = FeePayment.objects.create(
            application=application, va_number=virtual_account_new(), amount=application.fee, opened_at=now
        )
        ledger.record(
            actor=SYSTEM,
            action="licensing.payment.opened",
            subject=application,
            unit=application.unit,
            data={"va_number": payment.va_number, "amount": payment.amount, "citation": rules.FEE_CITATION},
        )
    elif payment.status == FeePayment.PAID:
        _pass_payment_stage(ticket, now)
    return payment


def _pass_payment_stage(ticket: Ticket, now: datetime) -> None:
    entry = (
        LineEntry.objects.select_for_update(of=("self",))
        .select_related("ticket__application", "counter")
        .filter(ticket=ticket, stage=rules.PAYMENT_STAGE, state__in=(LineEntry.WAITING, LineEntry.CALLED))
        .first()
    )
    if entry is not None:
        complete_stage(entry, LineEntry.PASSED, now)


# The bank, as the actor of the payments it reports (the ledger shows ``bank``).
BANK = SystemActor(label="bank")


def fee_payment_settle(
    *,
    payment: FeePayment,
    amount: int,
    bank_reference: str,
    channel: str = "",
    now: datetime | None = None,
    paid_at: datetime | None = None,
    actor=None,
) -> FeePayment:
    """Record the bank's confirmed payment: exactly once, for exactly the fee; the applicant waiting in
    the payment line moves on to the next stage (entering it at ``now``; ``paid_at`` is the bank's time
    of payment, ``now`` when not given)."""
    now = now or timezone.now()
    actor = actor or SYSTEM
    with transaction.atomic():
        payment = (
            FeePayment.objects.select_for_update(of=("self",))
            .select_related("application__unit")
            .get(pk=payment.pk)
        )
        if payment.status == FeePayment.PAID:
            raise ValidationError(_("This fee is already paid."), code="already_paid")
        if payment.status != FeePayment.OPEN:
            raise ValidationError(_("This virtual account is closed."), code="closed")
        if amount != payment.amount:
            raise ValidationError(
                _("The amount paid (%(paid)d) is not the fee (%(fee)d).")
                % {"paid": amount, "fee": payment.amount},
                code="amount",
            )
        payment.status, payment.paid_at = FeePayment.PAID, paid_at or now
        payment.bank_reference, payment.channel = bank_reference, channel
        payment.save(update_fields=["status", "paid_at", "bank_reference", "channel"])
        application = payment.application
        ledger.record(
            actor=actor,
            action="licensing.payment.paid",
            subject=application,
            unit=application.unit,
            data={
                "va_number": payment.va_number,
                "amount": amount,
                "bank_reference": bank_reference,
                "channel": channel,
            },
        )
        ticket = application.tickets.filter(state__in=Ticket.OPEN_STATES).first()
        if ticket is not None and ticket.stage == rules.PAYMENT_STAGE:
            _pass_payment_stage(ticket, now)
    return payment


# --- The bank's callback ------------------------------------------------------------------------


class FeePaymentIn(BaseModel):
    """The bank's notification of one payment of a SIM fee (virtual account or QRIS)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    va_number: str = Field(pattern=r"^[0-9]{15}$")
    amount: int = Field(gt=0, strict=True)
    paid_at: AwareDatetime
    bank_reference: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._/-]+$")
    channel: Literal[tuple(rules.PAYMENT_CHANNELS)]  # type: ignore[valid-type]


ENVELOPE = bank.Envelope(
    secret=keys.SECRET,
    schema=FeePaymentIn,
    max_bytes=rules.MAX_CALLBACK_BYTES,
    skew=rules.BANK_TIMESTAMP_SKEW,
)


def _paid_body(payment: FeePayment) -> dict:
    application = payment.application
    ticket = application.tickets.order_by("-issued_at", "-id").first()
    return {
        "status": "paid",
        "va_number": payment.va_number,
        "amount": payment.amount,
        "paid_at": timezone.localtime(payment.paid_at).isoformat(),
        "bank_reference": payment.bank_reference,
        "channel": payment.channel,
        "tracking_number": application.tracking_number,
        "stage": ticket.stage if ticket is not None else "",
    }


def _log(result: bank.CallbackResult, *, now, digest, size, data, client=None, payment=None) -> None:
    bank.callback_log(
        FeeCallback, result, now=now, digest=digest, size=size, data=data, client=client, payment=payment
    )


def fee_callback_receive(
    *,
    body: bytes | None,
    timestamp: str | None,
    signature: str | None,
    size: int,
    client=None,
    now: datetime | None = None,
) -> bank.CallbackResult:
    """Judge one bank notification of a SIM fee, settle the fee when it is good (the applicant moves
    on), and log it whatever the outcome.

    The envelope first (``bersih.core.bank.judge_envelope``: 413, 401, 422), then the account (404),
    the same ``bank_reference`` again (200 with the earlier answer, 409 when its content differs), a
    fee already paid or closed (409) and the amount (422). Only an accepted notification changes
    anything besides the log.
    """
    now = now or timezone.now()
    digest = bank.payload_digest(body)
    result, data = bank.judge_envelope(ENVELOPE, body, timestamp, signature, size, now)
    if result is not None:
        with transaction.atomic():
            _log(result, now=now, digest=digest, size=size, data=data, client=client)
        return result
    payload = FeePaymentIn.model_validate(data)
    with transaction.atomic():
        result, payment = _apply(payload, now)
        _log(result, now=now, digest=digest, size=size, data=data, client=client, payment=payment)
    return result


def _same_content(payment: FeePayment, payload: FeePaymentIn) -> bool:
    return (
        payment.va_number == payload.va_number
        and payment.amount == payload.amount
        and payment.paid_at == payload.paid_at
        and payment.channel == payload.channel
    )


def _apply(payload: FeePaymentIn, now) -> tuple[bank.CallbackResult, FeePayment | None]:
    """Inside the transaction: lock the account, decide, and settle it when everything fits."""
    known = FeePayment.objects.filter(va_number=payload.va_number).values_list("pk", flat=True).first()
    if known is None:
        return bank.refused(404, "not-found", "unknown-va", _("No SIM fee has this virtual account.")), None
    payment = FeePayment.objects.select_for_update(of=("self",)).select_related("application").get(pk=known)
    earlier = FeePayment.objects.filter(bank_reference=payload.bank_reference).first()
    if earlier is not None:
        if earlier.pk == payment.pk and _same_content(payment, payload):
            return bank.CallbackResult(
                200, FeeCallback.DUPLICATE, "repeated", body=_paid_body(payment)
            ), payment
        return bank.refused(
            409,
            "conflict",
            "reference-reused",
            _("This bank reference was already reported with other content."),
        ), payment
    if payment.status == FeePayment.PAID:
        return bank.refused(409, "conflict", "already-paid", _("This SIM fee is already paid.")), payment
    if payment.status != FeePayment.OPEN:
        return bank.refused(
            409, "conflict", "account-closed", _("This virtual account is closed and takes no payment.")
        ), payment
    if payload.amount != payment.amount:
        return bank.refused(
            422,
            "validation-error",
            "amount-mismatch",
            _("The amount %(paid)s differs from the fee %(due)s.")
            % {"paid": rupiah(payload.amount), "due": rupiah(payment.amount)},
        ), payment
    payment = fee_payment_settle(
        payment=payment,
        amount=payload.amount,
        bank_reference=payload.bank_reference,
        channel=payload.channel,
        now=now,
        paid_at=payload.paid_at,
        actor=BANK,
    )
    return bank.CallbackResult(200, FeeCallback.ACCEPTED, "paid", body=_paid_body(payment)), payment


def bank_request(payload: dict, *, secret: bytes | None = None, at: int | None = None) -> tuple[bytes, dict]:
    """The body and headers the bank sends for ``payload`` (the simulated bank and tests use it)."""
    return bank.signed_request(payload, secret=secret or keys.bank_secret(), at=at)

"""The SIM fee: a virtual account opened when the applicant reaches the payment stage, settled only by
the bank's signed callback, which moves the applicant on. No cash is taken or recorded anywhere."""

from __future__ import annotations

import secrets
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bersih import ledger
from bersih.etle.services.payments import luhn_digit
from bersih.ledger.services import SYSTEM

from .. import rules
from ..models import FeePayment, LineEntry, Ticket
from .line import complete_stage


def virtual_account_new() -> str:
    """A fresh 15-digit number: the bank's prefix, random digits, a Luhn check digit."""
    prefix = rules.va_prefix()
    while True:
        body = prefix + "".join(
            secrets.choice("0123456789") for _ in range(rules.VA_LENGTH - len(prefix) - 1)
        )
        number = body + luhn_digit(body)
        if not FeePayment.objects.filter(va_number=number).exists():
            return number


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


def fee_payment_settle(
    *, payment: FeePayment, amount: int, bank_reference: str, channel: str = "", now: datetime | None = None
) -> FeePayment:
    """Record the bank's confirmed payment: exactly once, for exactly the fee; the applicant waiting in
    the payment line moves on to the next stage."""
    now = now or timezone.now()
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
        payment.status, payment.paid_at = FeePayment.PAID, now
        payment.bank_reference, payment.channel = bank_reference, channel
        payment.save(update_fields=["status", "paid_at", "bank_reference", "channel"])
        application = payment.application
        ledger.record(
            actor=SYSTEM,
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

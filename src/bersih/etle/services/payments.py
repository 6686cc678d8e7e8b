"""Payment of an ETLE case: the virtual account for the deposit or the court's fine."""

from __future__ import annotations

import secrets
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bersih import ledger

from .. import rules
from ..models import Payment, Violation


def luhn_digit(digits: str) -> str:
    """The Luhn check digit of ``digits``: a bank teller's single-digit typo or swap is caught."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:  # doubled: every second digit from the right, the check digit to be
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return str((10 - total % 10) % 10)


def virtual_account_new() -> str:
    """A fresh 15-digit number: the bank's prefix, random digits, a Luhn check digit."""
    prefix = rules.va_prefix()
    while True:
        body = prefix + "".join(
            secrets.choice("0123456789") for _ in range(rules.VA_LENGTH - len(prefix) - 1)
        )
        number = body + luhn_digit(body)
        if not Payment.objects.filter(va_number=number).exists():
            return number


def virtual_account_valid(number: str) -> bool:
    return (
        len(number) == rules.VA_LENGTH
        and number.isdigit()
        and number.startswith(rules.va_prefix())
        and luhn_digit(number[:-1]) == number[-1]
    )


def payment_open(
    *,
    actor,
    violation: Violation,
    purpose: str = Payment.DEPOSIT,
    amount: int | None = None,
    due_on: date | None = None,
) -> Payment:
    """Open the virtual account a case is paid into, or answer the one already open for it.

    The deposit is the article's maximum fine; a court fine (``purpose=verdict``) names its amount. The
    account is due on the case's payment deadline, or today when that has passed (a blocked owner can
    still pay, and payment lifts the block).
    """
    if purpose not in (Payment.DEPOSIT, Payment.VERDICT):
        raise ValidationError(_("Unknown payment purpose."), code="purpose")
    if purpose == Payment.DEPOSIT:
        amount = violation.max_fine
    if not amount or amount <= 0:
        raise ValidationError(_("A fine set by the court needs its amount."), code="amount")
    with transaction.atomic():
        case = Violation.objects.select_for_update(of=("self",)).get(pk=violation.pk)
        if case.status in (Violation.PAID, Violation.CANCELLED, Violation.REJECTED):
            raise ValidationError(
                _("This case takes no payment (%(status)s).") % {"status": case.get_status_display()}
            )
        existing = Payment.objects.filter(violation=case, status=Payment.OPEN).first()
        if existing is not None:
            if existing.purpose == purpose and existing.amount == amount:
                return existing
            existing.status = Payment.CANCELLED
            existing.save(update_fields=["status"])
        today = timezone.localdate()
        payment = Payment.objects.create(
            violation=case,
            va_number=virtual_account_new(),
            purpose=purpose,
            amount=amount,
            due_on=due_on or max(case.pay_by, today),
            opened_at=timezone.now(),
        )
        ledger.record(
            actor=actor,
            action="etle.payment.opened",
            subject=case,
            unit=case.unit,
            data={
                "tracking_number": case.tracking_number,
                "va_number": payment.va_number,
                "purpose": purpose,
                "amount": amount,
                "due_on": payment.due_on.isoformat(),
                "replaces": existing.va_number if existing else None,
            },
        )
    return payment

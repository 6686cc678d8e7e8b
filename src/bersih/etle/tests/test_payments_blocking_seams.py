"""The virtual account and the STNK block records that the later steps of the flow build on."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from bersih.etle import services
from bersih.etle.models import Payment, StnkBlock, Vehicle, Violation
from bersih.etle.services.payments import luhn_digit, virtual_account_valid
from bersih.ledger.models import Entry
from bersih.ledger.services import SYSTEM

pytestmark = pytest.mark.usefixtures("english_messages")


def test_luhn_digit_matches_known_numbers():
    assert luhn_digit("7992739871") == "3"  # the textbook example
    assert luhn_digit("4539148803436") == "4"


def test_a_virtual_account_has_the_prefix_fifteen_digits_and_a_check_digit(db, settings):
    settings.ETLE_VA_PREFIX = "12345"
    number = services.virtual_account_new()
    assert len(number) == 15 and number.isdigit() and number.startswith("12345")
    assert virtual_account_valid(number)
    typo = number[:7] + str((int(number[7]) + 1) % 10) + number[8:]
    assert not virtual_account_valid(typo)
    swapped = number[:-3] + number[-2] + number[-3] + number[-1]
    assert swapped == number or not virtual_account_valid(swapped)


def test_payment_open_is_the_maximum_fine_and_answers_the_open_account_again(approved):
    case = approved.case
    first = services.payment_open(actor=SYSTEM, violation=case)
    again = services.payment_open(actor=SYSTEM, violation=case)
    assert first.pk == again.pk and first.amount == case.max_fine and first.due_on == case.pay_by
    assert Entry.objects.filter(action="etle.payment.opened").count() == 1


def test_a_court_fine_replaces_the_open_deposit_account(approved):
    case = approved.case
    deposit = services.payment_open(actor=SYSTEM, violation=case)
    verdict = services.payment_open(actor=SYSTEM, violation=case, purpose=Payment.VERDICT, amount=100_000)
    deposit.refresh_from_db()
    assert (
        deposit.status == Payment.CANCELLED and verdict.status == Payment.OPEN and verdict.amount == 100_000
    )
    with pytest.raises(ValidationError):
        services.payment_open(actor=SYSTEM, violation=case, purpose=Payment.VERDICT, amount=0)


def test_the_database_refuses_two_open_accounts_and_bad_numbers(approved):
    case = approved.case
    services.payment_open(actor=SYSTEM, violation=case)
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.create(
            violation=case, va_number="1" * 15, amount=1, due_on=case.pay_by, opened_at=case.created_at
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.create(
            violation=case,
            va_number="12345",
            amount=1,
            due_on=case.pay_by,
            opened_at=case.created_at,
            status="paid",
        )


def test_block_and_unblock_are_records_and_set_the_registry_flag(approved):
    case = approved.case
    row = services.block_place(actor=SYSTEM, violation=case, reason="not_confirmed")
    assert services.block_place(actor=SYSTEM, violation=case, reason="not_confirmed") is None
    case.refresh_from_db()
    assert case.status == Violation.BLOCKED and case.blocked_at is not None
    assert Vehicle.objects.get(plate=case.plate).blocked
    assert (row.action, row.plate) == (StnkBlock.BLOCK, case.plate)
    lifted = services.block_lift(actor=SYSTEM, violation=case, reason="paid")
    assert lifted.action == StnkBlock.UNBLOCK
    assert services.block_lift(actor=SYSTEM, violation=case, reason="paid") is None
    assert not Vehicle.objects.get(plate=case.plate).blocked
    actions = list(Entry.objects.filter(action__startswith="etle.stnk.").values_list("action", flat=True))
    assert actions == ["etle.stnk.blocked", "etle.stnk.unblocked"]

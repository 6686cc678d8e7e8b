"""Payment of an ETLE case: the virtual account, the bank's callback, reconciliation with the bank's
statement, the court's verdict and refunds of the difference."""

from __future__ import annotations

import csv
import io
import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from bersih import ledger
from bersih.core import bank
from bersih.core.bank import CallbackResult, callback_signature, luhn_digit  # noqa: F401 - re-exported
from bersih.core.formatting import rupiah
from bersih.ledger.services import SYSTEM, SystemActor

from .. import keys, rules
from ..models import BankCallback, Payment, ReconciliationRun, Refund, Violation
from .blocking import block_lift

logger = logging.getLogger(__name__)


def virtual_account_new() -> str:
    """A fresh 15-digit number: the bank's prefix, random digits, a Luhn check digit."""
    return bank.virtual_account_number(
        rules.va_prefix(), rules.VA_LENGTH, lambda number: Payment.objects.filter(va_number=number).exists()
    )


def virtual_account_valid(number: str) -> bool:
    return bank.virtual_account_valid(number, rules.va_prefix(), rules.VA_LENGTH)


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


# --- The bank's callback ------------------------------------------------------------------------------


# The bank, as the actor of the payments it reports (the ledger shows ``bank``).
BANK = SystemActor(label="bank")


class BankPaymentIn(BaseModel):
    """The bank's notification of one payment into a virtual account."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    va_number: str = Field(pattern=r"^[0-9]{15}$")
    amount: int = Field(gt=0, strict=True)
    paid_at: AwareDatetime
    bank_reference: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._/-]+$")
    channel: Literal[rules.BANK_CHANNELS] | None = None  # type: ignore[valid-type]


ENVELOPE = bank.Envelope(
    secret=keys.SECRET,
    schema=BankPaymentIn,
    max_bytes=rules.MAX_CALLBACK_BYTES,
    skew=rules.BANK_TIMESTAMP_SKEW,
)
_refused = bank.refused


def _paid_body(payment: Payment) -> dict:
    return {
        "status": "paid",
        "va_number": payment.va_number,
        "amount": payment.amount,
        "paid_at": timezone.localtime(payment.paid_at).isoformat(),
        "bank_reference": payment.bank_reference,
        "tracking_number": payment.violation.tracking_number,
    }


def _log(result: CallbackResult, *, now, digest: str, size: int, data: dict | None, payment=None) -> None:
    bank.callback_log(BankCallback, result, now=now, digest=digest, size=size, data=data, payment=payment)


def bank_callback_receive(
    *,
    body: bytes | None,
    timestamp: str | None,
    signature: str | None,
    size: int,
    now: datetime | None = None,
) -> CallbackResult:
    """Judge one bank notification, pay the account when it is good, and log it whatever the outcome.

    ``body`` is None when the request was too large to read (``size`` says how large it claimed to be).
    Checks in order: size (413), signature (401), timestamp within ``rules.BANK_TIMESTAMP_SKEW`` (401),
    JSON and schema (422), the account (404), the same ``bank_reference`` again (200 with the earlier
    answer, or 409 when its content differs), the account's state (409) and amount (422). Only an
    accepted notification changes anything besides the log.
    """
    now = now or timezone.now()
    digest = bank.payload_digest(body)
    result, data = bank.judge_envelope(ENVELOPE, body, timestamp, signature, size, now)
    if result is not None:
        with transaction.atomic():
            _log(result, now=now, digest=digest, size=size, data=data)
        return result
    payload = BankPaymentIn.model_validate(data)
    with transaction.atomic():
        result, payment = _apply(payload, now)
        _log(result, now=now, digest=digest, size=size, data=data, payment=payment)
    return result


def _same_content(payment: Payment, payload: BankPaymentIn) -> bool:
    return (
        payment.va_number == payload.va_number
        and payment.amount == payload.amount
        and payment.paid_at == payload.paid_at
        and (payment.channel or None) == payload.channel
    )


def _apply(payload: BankPaymentIn, now) -> tuple[CallbackResult, Payment | None]:
    """Inside the transaction: lock the account, decide, and pay it when everything fits."""
    known = Payment.objects.filter(va_number=payload.va_number).values_list("pk", flat=True).first()
    if known is None:
        return _refused(404, "not-found", "unknown-va", _("No virtual account has this number.")), None
    payment = Payment.objects.select_for_update().select_related("violation").get(pk=known)
    earlier = (
        Payment.objects.select_related("violation").filter(bank_reference=payload.bank_reference).first()
    )
    if earlier is not None:
        if earlier.pk == payment.pk and _same_content(payment, payload):
            return CallbackResult(200, BankCallback.DUPLICATE, "repeated", body=_paid_body(payment)), payment
        return _refused(
            409,
            "conflict",
            "reference-reused",
            _("This bank reference was already reported with other content."),
        ), payment
    if payment.status == Payment.PAID:
        return _refused(409, "conflict", "already-paid", _("This virtual account was already paid.")), payment
    if payment.status in (Payment.CANCELLED, Payment.EXPIRED):
        return _refused(
            409,
            "conflict",
            f"account-{payment.status}",
            _("This virtual account is %(status)s and takes no payment.")
            % {"status": payment.get_status_display()},
        ), payment
    if payload.amount != payment.amount:
        return _refused(
            422,
            "validation-error",
            "amount-mismatch",
            _("The amount %(paid)s differs from the account's %(due)s.")
            % {"paid": rupiah(payload.amount), "due": rupiah(payment.amount)},
        ), payment
    payment_record(payment=payment, payload=payload, now=now)
    return CallbackResult(200, BankCallback.ACCEPTED, "paid", body=_paid_body(payment)), payment


def payment_record(*, payment: Payment, payload: BankPaymentIn, now) -> None:
    """Close the (locked) account as paid: the case is paid, its block lifted, the payer gets a receipt."""
    payment.status = Payment.PAID
    payment.paid_at = payload.paid_at
    payment.bank_reference = payload.bank_reference
    payment.channel = payload.channel or ""
    payment.save(update_fields=["status", "paid_at", "bank_reference", "channel"])
    case = Violation.objects.select_for_update(of=("self",)).get(pk=payment.violation_id)
    before = case.status
    if case.status not in (Violation.CANCELLED, Violation.REJECTED):
        case.status = Violation.PAID
    case.paid_at = payload.paid_at
    case.save(update_fields=["status", "paid_at", "updated_at"])
    payment.violation = case
    ledger.record(
        actor=BANK,
        action="etle.payment.received",
        subject=case,
        unit=case.unit,
        data={
            "tracking_number": case.tracking_number,
            "va_number": payment.va_number,
            "purpose": payment.purpose,
            "amount": payment.amount,
            "paid_at": payload.paid_at.isoformat(),
            "bank_reference": payload.bank_reference,
            "channel": payment.channel,
            "before": {"status": before},
        },
    )
    block_lift(actor=BANK, violation=case, reason="paid")
    _receipt_queue(case, payment)


def payer_contacts(case: Violation) -> tuple[str, dict[str, str]]:
    """Who pays and how to reach them: the named driver when there is one, otherwise the owner."""
    if case.driver_name:
        return case.driver_name, {"email": case.driver_email, "sms": case.driver_phone}
    return case.owner_name, {"email": case.owner_email, "sms": case.owner_phone}


def _receipt_queue(case: Violation, payment: Payment):
    from bersih.notify.services import message_queue, message_route

    name, contacts = payer_contacts(case)
    context = {
        "name": name,
        "reference": case.tracking_number,
        "plate": case.plate,
        "va_number": payment.va_number,
        "amount": rupiah(payment.amount),
        "paid_at": timezone.localtime(payment.paid_at).strftime("%d-%m-%Y %H:%M"),
        "bank_reference": payment.bank_reference,
        "purpose": payment.purpose,
    }
    for channel in message_route(contacts=contacts):
        try:
            return message_queue(
                channel=channel,
                recipient=contacts[channel],
                template="etle.receipt",
                context=context,
                idempotency_key=f"etle:payment:{payment.pk}:receipt:{channel}",
                subject=case,
                unit=case.unit,
                actor=BANK,
            )
        except ValidationError as exc:  # an unusable contact: try the next one
            logger.warning("receipt of %s: %s unusable: %s", case.tracking_number, channel, exc)
    logger.warning("receipt of %s: no contact reaches the payer", case.tracking_number)
    return None


def bank_request(payload: dict, *, secret: bytes | None = None, at: int | None = None) -> tuple[bytes, dict]:
    """The body and headers the bank sends for ``payload`` (the simulated bank and tests use it)."""
    return bank.signed_request(payload, secret=secret or keys.bank_secret(), at=at)


# --- Reconciliation with the bank's daily statement -------------------------------------------------


@dataclass(frozen=True)
class StatementLine:
    line: int
    day: date
    va_number: str
    amount: int
    bank_reference: str


def _line_error(line: int, message: str) -> ValidationError:
    return ValidationError(
        _("Line %(line)d: %(message)s") % {"line": line, "message": message}, code="statement"
    )


def statement_parse(content: bytes, *, day: date | None = None) -> tuple[date, list[StatementLine]]:
    """Read a bank statement strictly: ``date,va_number,amount,bank_reference``, one payment a line.

    Any fault (size, encoding, header, a field's type, another day's date, a repeated bank reference)
    refuses the whole file with the line number. Answers the statement's day and its lines.
    """
    if len(content) > rules.MAX_STATEMENT_BYTES:
        raise ValidationError(
            _("The statement is larger than %(limit)d bytes.") % {"limit": rules.MAX_STATEMENT_BYTES},
            code="statement_too_large",
        )
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(_("The statement is not UTF-8 text."), code="statement_encoding") from None
    if "\x00" in text:
        raise ValidationError(_("The statement is not UTF-8 text."), code="statement_encoding")
    rows = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(rows, None)
    except csv.Error as exc:
        raise _line_error(1, str(exc)) from None
    if header is None:
        raise ValidationError(_("The statement is empty."), code="statement_empty")
    if [h.strip().lower() for h in header] != list(rules.STATEMENT_COLUMNS):
        raise _line_error(
            1, _("the header must be exactly %(columns)s.") % {"columns": ",".join(rules.STATEMENT_COLUMNS)}
        )
    lines: list[StatementLine] = []
    seen: dict[str, int] = {}
    while True:
        number = rows.line_num + 1
        try:
            row = next(rows)
        except StopIteration:
            break
        except csv.Error as exc:
            raise _line_error(number, str(exc)) from None
        number = rows.line_num
        if not row or all(not cell.strip() for cell in row):
            continue  # a blank line (the last one, usually)
        if len(lines) >= rules.MAX_STATEMENT_LINES:
            raise _line_error(
                number, _("more than %(limit)d payments in one file.") % {"limit": rules.MAX_STATEMENT_LINES}
            )
        lines.append(_statement_line(number, row, day, seen))
        if day is None:
            day = lines[-1].day
    if day is None:
        raise ValidationError(
            _("The statement lists no payments; give its day to record an empty statement."),
            code="statement_empty",
        )
    return day, lines


def _statement_line(number: int, row: list[str], day: date | None, seen: dict[str, int]) -> StatementLine:
    if len(row) != len(rules.STATEMENT_COLUMNS):
        raise _line_error(
            number,
            _("expected %(expected)d fields, found %(found)d.")
            % {"expected": len(rules.STATEMENT_COLUMNS), "found": len(row)},
        )
    raw_day, va_number, raw_amount, reference = (cell.strip() for cell in row)
    try:
        line_day = date.fromisoformat(raw_day)
        if len(raw_day) != 10:
            raise ValueError
    except ValueError:
        raise _line_error(
            number, _("the date %(value)r is not YYYY-MM-DD.") % {"value": raw_day[:20]}
        ) from None
    if day is not None and line_day != day:
        raise _line_error(
            number,
            _("the date %(value)s is not the statement's day %(day)s.")
            % {"value": line_day.isoformat(), "day": day.isoformat()},
        )
    if len(va_number) != rules.VA_LENGTH or not va_number.isdigit() or not va_number.isascii():
        raise _line_error(number, _("the virtual account must be %(n)d digits.") % {"n": rules.VA_LENGTH})
    if (
        not raw_amount.isascii()
        or not raw_amount.isdigit()
        or raw_amount.startswith("0")
        or len(raw_amount) > 12
    ):
        raise _line_error(
            number, _("the amount %(value)r is not a whole number of rupiah.") % {"value": raw_amount[:20]}
        )
    if not reference or len(reference) > 64:
        raise _line_error(number, _("the bank reference must be 1 to 64 characters."))
    if reference in seen:
        raise _line_error(
            number,
            _("the bank reference %(reference)s is already on line %(line)d.")
            % {"reference": reference, "line": seen[reference]},
        )
    seen[reference] = number
    return StatementLine(number, line_day, va_number, int(raw_amount), reference)


def _unit_payments(unit):
    return Payment.objects.filter(violation__unit__path__startswith=unit.path)


def statement_compare(unit, day: date, lines: list[StatementLine]) -> tuple[int, int, list[dict]]:
    """(paid here that day, matched, mismatches) of the statement against the unit's payments."""
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.combine(day, datetime.min.time()), tz)
    end = start + timedelta(days=1)
    paid_today = {
        p.va_number: p
        for p in _unit_payments(unit)
        .filter(status=Payment.PAID, paid_at__gte=start, paid_at__lt=end)
        .select_related("violation")
    }
    numbers = [line.va_number for line in lines]
    known = {
        p.va_number: p
        for p in Payment.objects.filter(va_number__in=numbers).select_related("violation__unit")
    }
    mismatches: list[dict] = []
    matched = 0
    on_statement: set[str] = set()

    def add(kind: str, line: StatementLine | None = None, payment: Payment | None = None) -> None:
        item = {"kind": kind, "line": line.line if line else None}
        item["va_number"] = line.va_number if line else payment.va_number
        if line is not None:
            item.update(statement_amount=line.amount, statement_reference=line.bank_reference)
        if payment is not None:
            item.update(
                tracking_number=payment.violation.tracking_number,
                amount=payment.amount,
                bank_reference=payment.bank_reference or "",
                status=payment.status,
                paid_at=payment.paid_at.isoformat() if payment.paid_at else None,
            )
        mismatches.append(item)

    for line in lines:
        payment = known.get(line.va_number)
        if payment is None:
            add("unknown_va", line)
            continue
        if not payment.violation.unit.path.startswith(unit.path):
            mismatches.append({"kind": "other_unit", "line": line.line, "va_number": line.va_number})
            continue
        if line.va_number in on_statement:
            add("paid_twice", line, payment)
            continue
        on_statement.add(line.va_number)
        if payment.status != Payment.PAID:
            add("not_paid_here", line, payment)
        elif payment.amount != line.amount:
            add("amount_differs", line, payment)
        elif payment.bank_reference != line.bank_reference:
            add("reference_differs", line, payment)
        elif line.va_number not in paid_today:
            add("day_differs", line, payment)
        else:
            matched += 1
    for number, payment in paid_today.items():
        if number not in on_statement:
            add("missing_from_statement", None, payment)
    return len(paid_today), matched, mismatches


MISMATCH_KINDS = {
    "unknown_va": gettext_lazy("On the statement, but no such virtual account here"),
    "other_unit": gettext_lazy("On the statement, an account of another unit"),
    "not_paid_here": gettext_lazy("On the statement, not paid here (a missed notification?)"),
    "amount_differs": gettext_lazy("Amounts differ"),
    "reference_differs": gettext_lazy("Bank references differ"),
    "day_differs": gettext_lazy("Paid here on another day"),
    "paid_twice": gettext_lazy("Paid twice at the bank"),
    "missing_from_statement": gettext_lazy("Paid here, missing from the statement"),
}


def reconciliation_run(
    *, actor, unit, content: bytes, day: date | None = None, file_name: str = ""
) -> ReconciliationRun:
    """Compare a bank statement with the unit's payments and keep the run; a malformed file stores nothing."""
    from bersih.documents.rules import CSV
    from bersih.documents.services import file_store

    day, lines = statement_parse(content, day=day)
    paid_here, matched, mismatches = statement_compare(unit, day, lines)
    with transaction.atomic():
        stored = file_store(
            actor=actor,
            content=content or b"\n",
            original_name=file_name or f"statement-{day.isoformat()}.csv",
            allowed_types=CSV,
            max_bytes=rules.MAX_STATEMENT_BYTES,
        )
        person = actor if getattr(actor, "is_authenticated", False) else None
        run = ReconciliationRun.objects.create(
            unit=unit,
            day=day,
            file=stored,
            file_sha256=stored.sha256,
            statement_lines=len(lines),
            paid_here=paid_here,
            matched=matched,
            mismatch_count=len(mismatches),
            mismatches=mismatches,
            created_at=timezone.now(),
            created_by=person,
            actor_label=person.get_username() if person else getattr(actor, "label", "system"),
        )
        counts: dict[str, int] = {}
        for item in mismatches:
            counts[item["kind"]] = counts.get(item["kind"], 0) + 1
        ledger.record(
            actor=actor,
            action="etle.reconciliation.run",
            subject=("etle.reconciliationrun", run.pk, day.isoformat()),
            unit=unit,
            data={
                "day": day.isoformat(),
                "file_sha256": stored.sha256,
                "statement_lines": len(lines),
                "paid_here": paid_here,
                "matched": matched,
                "mismatches": counts,
            },
        )
    return run


# --- The court's verdict and refunds ------------------------------------------------------------------

# A verdict is recorded for a case the owner has answered: confirmed, paid, or blocked afterwards.
VERDICT_STATUSES = (Violation.CONFIRMED, Violation.PAID, Violation.BLOCKED)


def _verdict_scope(actor):
    from ..selectors import verdict_cases

    return verdict_cases(actor)


def verdict_record(*, actor, violation: Violation, fine: int) -> Violation:
    """Record the court's fine (UU 22/2009 Pasal 267(3), 268).

    A deposit already paid and larger than the fine leaves a refund of the difference, claimable for
    ``rules.REFUND_CLAIM_PERIOD``; with nothing paid, a virtual account for the fine is opened (it
    replaces an open deposit account).
    """
    if isinstance(fine, bool) or not isinstance(fine, int) or fine <= 0:
        raise ValidationError(_("The fine is a whole, positive number of rupiah."), code="fine")
    with transaction.atomic():
        case = _verdict_scope(actor).select_for_update(of=("self",)).filter(pk=violation.pk).first()
        if case is None:
            raise ValidationError(_("You may not record the verdict of this case."), code="forbidden")
        if case.verdict_fine is not None:
            raise ValidationError(_("The court's verdict is already recorded."), code="recorded")
        if case.status not in VERDICT_STATUSES or case.confirmed_at is None:
            raise ValidationError(
                _("Only a confirmed case gets a verdict (this one is %(status)s).")
                % {"status": case.get_status_display()},
                code="status",
            )
        if fine > case.max_fine:
            raise ValidationError(
                _("The fine exceeds the article's maximum of %(max)s.") % {"max": rupiah(case.max_fine)},
                code="fine",
            )
        case.verdict_fine = fine
        case.save(update_fields=["verdict_fine", "updated_at"])
        deposit = (
            Payment.objects.filter(violation=case, status=Payment.PAID).order_by("paid_at", "id").first()
        )
        refund = account = None
        if deposit is not None and fine < deposit.amount:
            refund = Refund.objects.create(
                violation=case,
                payment=deposit,
                deposit=deposit.amount,
                verdict_fine=fine,
                amount=deposit.amount - fine,
                claim_by=timezone.localdate() + rules.REFUND_CLAIM_PERIOD,
                created_at=timezone.now(),
            )
        ledger.record(
            actor=actor,
            action="etle.verdict.recorded",
            subject=case,
            unit=case.unit,
            data={
                "tracking_number": case.tracking_number,
                "verdict_fine": fine,
                "max_fine": case.max_fine,
                "deposit_paid": deposit.amount if deposit else None,
                "refund": refund.amount if refund else None,
                "article": rules.VERDICT_ARTICLE,
            },
        )
        if refund is not None:
            ledger.record(
                actor=actor,
                action="etle.refund.owed",
                subject=case,
                unit=case.unit,
                data={
                    "tracking_number": case.tracking_number,
                    "refund": refund.pk,
                    "amount": refund.amount,
                    "claim_by": refund.claim_by.isoformat(),
                    "article": rules.REFUND_ARTICLE,
                },
            )
        if deposit is None:
            account = payment_open(actor=actor, violation=case, purpose=Payment.VERDICT, amount=fine)
        case.verdict_account = account
    return case


def refund_pay(*, actor, refund: Refund, reference: str) -> Refund:
    """Record that an owed refund was paid out (the transfer's reference)."""
    from ..selectors import refunds_manageable

    reference = (reference or "").strip()
    if not reference or len(reference) > 64:
        raise ValidationError(_("Give the payout's reference (1 to 64 characters)."), code="reference")
    with transaction.atomic():
        row = refunds_manageable(actor).select_for_update(of=("self",)).filter(pk=refund.pk).first()
        if row is None:
            raise ValidationError(_("You may not settle this refund."), code="forbidden")
        if row.status != Refund.OWED:
            raise ValidationError(
                _("This refund is already settled (%(status)s).") % {"status": row.get_status_display()},
                code="settled",
            )
        row.status, row.settled_at, row.settled_by = Refund.PAID, timezone.now(), actor
        row.payout_reference = reference
        row.save(update_fields=["status", "settled_at", "settled_by", "payout_reference"])
        case = row.violation
        ledger.record(
            actor=actor,
            action="etle.refund.paid",
            subject=case,
            unit=case.unit,
            data={
                "tracking_number": case.tracking_number,
                "refund": row.pk,
                "amount": row.amount,
                "payout_reference": reference,
            },
        )
    return row


def refunds_to_treasury(now: datetime, *, limit: int = rules.REFUND_SWEEP_BATCH) -> dict:
    """Hand refunds whose claim period has passed to the state treasury (the sweep; idempotent)."""
    today = timezone.localdate(now)
    due = list(
        Refund.objects.filter(status=Refund.OWED, claim_by__lt=today)
        .order_by("claim_by", "id")[:limit]
        .values_list("pk", flat=True)
    )
    moved = 0
    for pk in due:
        with transaction.atomic():
            row = (
                Refund.objects.select_for_update(of=("self",))
                .select_related("violation__unit")
                .filter(pk=pk, status=Refund.OWED, claim_by__lt=today)
                .first()
            )
            if row is None:
                continue
            row.status, row.settled_at = Refund.TO_TREASURY, now
            row.save(update_fields=["status", "settled_at"])
            case = row.violation
            ledger.record(
                actor=SYSTEM,
                action="etle.refund.to_treasury",
                subject=case,
                unit=case.unit,
                data={
                    "tracking_number": case.tracking_number,
                    "refund": row.pk,
                    "amount": row.amount,
                    "claim_by": row.claim_by.isoformat(),
                },
            )
            moved += 1
    return {"to_treasury": moved}

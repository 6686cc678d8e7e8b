"""The owner's answer on the public confirmation page, the route to payment, and disputes under review.

The four answers (``rules.ANSWERS``):

- ``drove``: the case is confirmed; the owner then chooses the deposit (``deposit_choose``, a virtual
  account for the maximum fine) or the court hearing (``court_choose``);
- ``other_driver``: the named driver becomes the addressee, the owner is released, the case goes back
  to ``approved`` (the letters step sends the driver a notice) with the periods counted from the answer;
- ``sold`` / ``not_mine``: the case is disputed with the uploads, the deadline sweep pauses
  (``Violation.PAUSE_DISPUTE``) until an investigator accepts (``dispute_accept``) or refuses
  (``dispute_refuse``) it.

A case takes one answer: each function locks the case row and checks its state again under the lock,
so a second submission or a replayed form changes nothing and says why.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from bersih import ledger
from bersih.core.identity import nik_check
from bersih.documents.services import file_store, upload_check
from bersih.ledger.services import SystemActor

from .. import rules
from ..models import Confirmation, ConfirmationUpload, Payment, Violation
from .ingest import reference_code_new
from .letters import notice_enqueue_after_commit
from .payments import payment_open

# Who answers on the public page: a person without an account, known only by the code and plate.
OWNER = SystemActor(label="owner (public confirmation page)")

# Where an answer may be given: the letter is out (returned mail may still have reached the owner by
# SMS or WhatsApp). The payment route may be chosen once the case is confirmed, or while blocked.
ANSWERABLE = (Violation.LETTER_SENT, Violation.RETURNED)
PAYABLE = (Violation.CONFIRMED, Violation.BLOCKED)


def client_hash(address: str) -> str:
    """The client's address as a keyed hash: answers from one connection can be told apart, the
    address itself is not kept."""
    return salted_hmac("bersih.etle.confirmation.client", str(address or ""), algorithm="sha256").hexdigest()


def _not_answerable(case: Violation) -> ValidationError:
    if case.status in (Violation.CONFIRMED, Violation.DISPUTED, Violation.BLOCKED) or (
        case.status == Violation.APPROVED and case.driver_name
    ):
        return ValidationError(
            _("This case has already been answered; a second answer changes nothing."), code="answered"
        )
    return ValidationError(
        _("This case is not waiting for an answer (%(status)s).") % {"status": case.get_status_display()},
        code="not_answerable",
    )


def _lock_answerable(violation: Violation) -> Violation:
    case = Violation.objects.select_for_update(of=("self",)).get(pk=violation.pk)
    if case.status not in ANSWERABLE:
        raise _not_answerable(case)
    return case


def dispute_refused_before(violation: Violation) -> bool:
    """Whether a dispute of the current addressee was already refused: it cannot be raised again."""
    return Confirmation.objects.filter(
        violation=violation,
        answer__in=rules.DISPUTE_ANSWERS,
        decision=Confirmation.REFUSED,
        answered_at__gte=violation.letter_sent_at or violation.created_at,
    ).exists()


def _record(actor, case: Violation, verb: str, data: dict) -> None:
    ledger.record(
        actor=actor,
        action=f"etle.confirmation.{verb}",
        subject=case,
        unit=case.unit,
        data={"tracking_number": case.tracking_number, **data},
    )


def _confirmation(case: Violation, answer: str, client_address: str, **fields) -> Confirmation:
    return Confirmation.objects.create(
        violation=case,
        answer=answer,
        answered_at=timezone.now(),
        client_hash=client_hash(client_address),
        **fields,
    )


def _text(value: str, field: str, *, required: bool = True, multiline: bool = False) -> str:
    """Typed text: one line with single spaces (an address keeps its lines), within the length limit."""
    value = str(value or "").strip() if multiline else " ".join(str(value or "").split())
    if required and not value:
        raise ValidationError({field: _("Fill in this field.")})
    if len(value) > rules.MAX_ANSWER_TEXT:
        raise ValidationError({field: _("At most %(limit)d characters.") % {"limit": rules.MAX_ANSWER_TEXT}})
    return value


# --- The answers ------------------------------------------------------------------------------------


def confirmation_drove(*, actor=OWNER, violation: Violation, client_address: str) -> Confirmation:
    """ "I was driving": the case is confirmed; the payment route is chosen next."""
    with transaction.atomic():
        case = _lock_answerable(violation)
        before = {"status": case.status, "pause_reason": case.pause_reason}
        answer = _confirmation(case, Confirmation.DROVE, client_address)
        case.status, case.confirmed_at, case.pause_reason = Violation.CONFIRMED, answer.answered_at, ""
        case.save(update_fields=["status", "confirmed_at", "pause_reason", "updated_at"])
        _record(
            actor,
            case,
            "answered",
            {
                "answer": answer.answer,
                "confirmation": answer.pk,
                "before": before,
                "after": {"status": case.status, "pause_reason": ""},
            },
        )
    return answer


def confirmation_other_driver(
    *,
    actor=OWNER,
    violation: Violation,
    client_address: str,
    name: str,
    nik: str,
    address: str,
    phone: str,
    email: str = "",
) -> Confirmation:
    """ "Someone else was driving": the driver becomes the addressee of a new notice, the owner is released.

    The driver's NIK, phone (E.164) and e-mail are checked before anything is written; the case goes back
    to ``approved`` for the letters step, with both periods counted again from today.
    """
    from bersih.notify.channels.sms import e164

    errors: dict[str, list] = {}
    values = {}
    for field, raw, check in (
        ("name", name, lambda v: _text(v, "name")),
        ("nik", nik, nik_check),
        ("address", address, lambda v: _text(v, "address", multiline=True)),
        ("phone", phone, e164),
        ("email", email, lambda v: (validate_email(v.strip()) or v.strip()) if v and v.strip() else ""),
    ):
        try:
            values[field] = check(raw)
        except ValidationError as exc:
            errors.setdefault(field, []).extend(exc.messages)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        case = _lock_answerable(violation)
        before = {
            "status": case.status,
            "confirm_by": case.confirm_by.isoformat(),
            "pay_by": case.pay_by.isoformat(),
            "addressee": "driver" if case.driver_name else "owner",
        }
        answer = _confirmation(case, Confirmation.OTHER_DRIVER, client_address)
        case.driver_name, case.driver_nik = values["name"], values["nik"]
        case.driver_address, case.driver_phone, case.driver_email = (
            values["address"],
            values["phone"],
            values["email"],
        )
        case.confirm_by, case.pay_by = rules.deadlines_from(timezone.localdate())
        case.status, case.pause_reason = Violation.APPROVED, ""
        # The driver's notice carries a code of its own: the owner's code no longer opens the case.
        case.reference_code = reference_code_new()
        case.save()
        notice_enqueue_after_commit(case.pk)
        _record(
            actor,
            case,
            "answered",
            {
                "answer": answer.answer,
                "confirmation": answer.pk,
                "before": before,
                # The driver's identity stays in the case; the ledger names only the change.
                "after": {
                    "status": case.status,
                    "confirm_by": case.confirm_by.isoformat(),
                    "pay_by": case.pay_by.isoformat(),
                    "addressee": "driver",
                },
            },
        )
    return answer


def _check_uploads(answer: str, files: dict) -> dict:
    """Every upload the dispute needs, sniffed and within the size limit; all errors at once."""
    errors: dict[str, list] = {}
    checked = {}
    for role in rules.DISPUTE_UPLOADS[answer]:
        upload = files.get(role)
        if upload is None:
            errors[role] = [_("Attach this file.")]
            continue
        try:
            checked[role] = upload_check(
                upload, allowed_types=rules.UPLOAD_TYPES[role], max_bytes=rules.MAX_UPLOAD_BYTES
            )
        except ValidationError as exc:
            errors[role] = exc.messages
    if errors:
        raise ValidationError(errors)
    return checked


def _dispute(
    actor, violation: Violation, answer: str, client_address: str, files: dict, **fields
) -> Confirmation:
    checked = _check_uploads(answer, files)
    with transaction.atomic():
        case = _lock_answerable(violation)
        if dispute_refused_before(case):
            raise ValidationError(
                _("A dispute of this case was already refused: confirm who drove, or pay."),
                code="dispute_refused",
            )
        before = {"status": case.status, "pause_reason": case.pause_reason}
        confirmation = _confirmation(case, answer, client_address, **fields)
        for role, upload in checked.items():
            stored = file_store(
                actor=actor,
                content=upload.content,
                original_name=f"{role}",
                allowed_types=rules.UPLOAD_TYPES[role],
                max_bytes=rules.MAX_UPLOAD_BYTES,
            )
            ConfirmationUpload.objects.create(confirmation=confirmation, file=stored, role=role)
        case.status, case.pause_reason = Violation.DISPUTED, Violation.PAUSE_DISPUTE
        case.save(update_fields=["status", "pause_reason", "updated_at"])
        _record(
            actor,
            case,
            "answered",
            {
                "answer": answer,
                "confirmation": confirmation.pk,
                "uploads": {role: upload.sha256 for role, upload in checked.items()},
                "buyer_named": bool(fields.get("buyer_name")),
                "before": before,
                "after": {"status": case.status, "pause_reason": case.pause_reason},
            },
        )
    return confirmation


def confirmation_sold(
    *,
    actor=OWNER,
    violation: Violation,
    client_address: str,
    proof,
    buyer_name: str = "",
    buyer_address: str = "",
) -> Confirmation:
    """ "Sold but not re-registered": a proof of sale (JPEG, PNG or PDF) and the buyer if known."""
    errors = {}
    try:
        buyer_name = _text(buyer_name, "buyer_name", required=False)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        buyer_address = _text(buyer_address, "buyer_address", required=False, multiline=True)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return _dispute(
        actor,
        violation,
        Confirmation.SOLD,
        client_address,
        {rules.PROOF: proof} if proof is not None else {},
        buyer_name=buyer_name,
        buyer_address=buyer_address,
    )


def confirmation_not_mine(
    *, actor=OWNER, violation: Violation, client_address: str, ktp, selfie, vehicle_photo
) -> Confirmation:
    """ "Not my vehicle / plate misused": the KTP, a selfie holding it and a photo of the own vehicle."""
    files = {rules.KTP: ktp, rules.SELFIE: selfie, rules.VEHICLE_PHOTO: vehicle_photo}
    return _dispute(
        actor,
        violation,
        Confirmation.NOT_MINE,
        client_address,
        {role: f for role, f in files.items() if f is not None},
    )


# --- The payment route ------------------------------------------------------------------------------


def _lock_payable(violation: Violation) -> Violation:
    case = Violation.objects.select_for_update(of=("self",)).get(pk=violation.pk)
    if case.status not in PAYABLE:
        raise ValidationError(
            _("Confirm the case first (%(status)s).") % {"status": case.get_status_display()},
            code="not_confirmed",
        )
    if case.payment_choice:
        raise ValidationError(
            _("The payment route was already chosen (%(route)s).")
            % {"route": case.get_payment_choice_display()},
            code="route_chosen",
        )
    return case


def deposit_choose(*, actor=OWNER, violation: Violation) -> Payment:
    """Pay the deposit: the virtual account for the maximum fine, due on the payment deadline."""
    with transaction.atomic():
        case = _lock_payable(violation)
        case.payment_choice = Violation.DEPOSIT
        case.save(update_fields=["payment_choice", "updated_at"])
        _record(
            actor,
            case,
            "route_chosen",
            {"before": {"payment_choice": ""}, "after": {"payment_choice": case.payment_choice}},
        )
        return payment_open(actor=actor, violation=case)


def court_choose(*, actor=OWNER, violation: Violation) -> Violation:
    """Attend the hearing: the next hearing day with enough notice; payment is due after the verdict."""
    with transaction.atomic():
        case = _lock_payable(violation)
        before = {"payment_choice": "", "hearing_on": None, "pay_by": case.pay_by.isoformat()}
        case.payment_choice = Violation.COURT
        case.hearing_on = rules.hearing_date(timezone.localdate())
        case.pay_by = max(case.hearing_on + timedelta(days=rules.court_pay_days()), case.confirm_by)
        case.save(update_fields=["payment_choice", "hearing_on", "pay_by", "updated_at"])
        _record(
            actor,
            case,
            "route_chosen",
            {
                "before": before,
                "after": {
                    "payment_choice": case.payment_choice,
                    "hearing_on": case.hearing_on.isoformat(),
                    "pay_by": case.pay_by.isoformat(),
                    "court": rules.court_name(),
                },
            },
        )
    return case


# --- Disputes: the investigator's decision ----------------------------------------------------------


def _lock_dispute(actor, violation: Violation) -> tuple[Violation, Confirmation]:
    from ..selectors import reviewable

    if not actor.has_perm("etle.review_dispute"):
        raise PermissionDenied(_("Only investigators decide disputes."))
    case = reviewable(actor).select_for_update(of=("self",)).filter(pk=violation.pk).first()
    if case is None:
        raise PermissionDenied(_("This case is outside your units."))
    dispute = (
        Confirmation.objects.select_for_update()
        .filter(violation=case, answer__in=rules.DISPUTE_ANSWERS, decision="")
        .first()
    )
    if case.status != Violation.DISPUTED or dispute is None:
        raise ValidationError(
            _("This case is not disputed (%(status)s).") % {"status": case.get_status_display()},
            code="not_disputed",
        )
    return case, dispute


def _decide(dispute: Confirmation, actor, decision: str, reason: str = "") -> None:
    dispute.decision, dispute.decided_at, dispute.decided_by = decision, timezone.now(), actor
    dispute.decision_reason = reason
    dispute.save(update_fields=["decision", "decided_at", "decided_by", "decision_reason"])


def dispute_accept(*, actor, violation: Violation, to_buyer: bool = False) -> Violation:
    """Accept the dispute: the owner is released and the case cancelled; for a sale with a named buyer,
    ``to_buyer`` sends the notice to the buyer instead (like a named driver)."""
    with transaction.atomic():
        case, dispute = _lock_dispute(actor, violation)
        if to_buyer and not (dispute.answer == Confirmation.SOLD and dispute.buyer_name):
            raise ValidationError(
                _("Only a sale with a named buyer can be redirected to the buyer."), code="no_buyer"
            )
        before = {
            "status": case.status,
            "pause_reason": case.pause_reason,
            "confirm_by": case.confirm_by.isoformat(),
            "pay_by": case.pay_by.isoformat(),
        }
        _decide(dispute, actor, Confirmation.ACCEPTED)
        case.pause_reason = ""
        if to_buyer:
            case.driver_name, case.driver_address = dispute.buyer_name, dispute.buyer_address
            case.driver_nik = case.driver_phone = case.driver_email = ""
            case.confirm_by, case.pay_by = rules.deadlines_from(timezone.localdate())
            case.status = Violation.APPROVED
            case.reference_code = reference_code_new()
        else:
            case.status = Violation.CANCELLED
        case.save()
        if to_buyer:
            notice_enqueue_after_commit(case.pk)
        _record(
            actor,
            case,
            "dispute_accepted",
            {
                "answer": dispute.answer,
                "confirmation": dispute.pk,
                "to_buyer": to_buyer,
                "before": before,
                "after": {
                    "status": case.status,
                    "pause_reason": "",
                    "confirm_by": case.confirm_by.isoformat(),
                    "pay_by": case.pay_by.isoformat(),
                },
            },
        )
    return case


def dispute_refuse(*, actor, violation: Violation, reason: str) -> Violation:
    """Refuse the dispute with a reason: the letter stands again, both deadlines moved by the days the
    dispute was under review (``rules.dispute_extension_days``)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for refusing the dispute.")})
    if len(reason) > rules.MAX_DISPUTE_REASON:
        raise ValidationError(
            {"reason": _("At most %(limit)d characters.") % {"limit": rules.MAX_DISPUTE_REASON}}
        )
    with transaction.atomic():
        case, dispute = _lock_dispute(actor, violation)
        before = {
            "status": case.status,
            "pause_reason": case.pause_reason,
            "confirm_by": case.confirm_by.isoformat(),
            "pay_by": case.pay_by.isoformat(),
        }
        _decide(dispute, actor, Confirmation.REFUSED, reason)
        days = rules.dispute_extension_days(
            timezone.localtime(dispute.answered_at).date(), timezone.localdate()
        )
        case.confirm_by += timedelta(days=days)
        case.pay_by += timedelta(days=days)
        case.status, case.pause_reason = Violation.LETTER_SENT, ""
        case.save()
        _record(
            actor,
            case,
            "dispute_refused",
            {
                "answer": dispute.answer,
                "confirmation": dispute.pk,
                "reason": reason,
                "extended_days": days,
                "before": before,
                "after": {
                    "status": case.status,
                    "pause_reason": "",
                    "confirm_by": case.confirm_by.isoformat(),
                    "pay_by": case.pay_by.isoformat(),
                },
            },
        )
    return case

"""The confirmation letter (surat konfirmasi): built, signed, issued and delivered; returned letters.

``notice_send`` turns an approved case into a signed letter to its addressee — the driver the owner
named when there is one, the registered owner otherwise — and queues it by post always, by email
with the PDF attached where there is an address, and by SMS and WhatsApp where there is a phone, all
in the transaction that marks the case ``letter_sent``. A letter that comes back from the post
(``letter_returned``, registered with the outbox) pauses the case in the wrong-address work list,
where staff resend it to a corrected address (``letter_resend``) or close the case as undeliverable
(``violation_close_undeliverable``).
"""

from __future__ import annotations

import io
import logging
from urllib.parse import urlencode
from xml.sax.saxutils import escape

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.platypus import Flowable, PageBreak, Paragraph, Spacer, Table, TableStyle

from bersih import ledger
from bersih.core.formatting import rupiah, tanggal
from bersih.documents.models import StoredFileCorrupt
from bersih.documents.pdf import FONT_BOLD, MARGIN, STYLES, Letter, QrDrawing
from bersih.documents.services import document_code_new, document_issue
from bersih.ledger.services import SYSTEM

from .. import rules
from ..models import CaptureImage, Violation
from .blocking import block_lift

logger = logging.getLogger(__name__)

NOTICE_TEMPLATE = "etle.notice"
# The confirmation request and the warning beside the QR code: a little smaller than the body, so that
# the letter with its signature block stays on one page.
SIDE_TEXT = ParagraphStyle("etle_side", parent=STYLES["body"], fontSize=10, leading=13, spaceAfter=4)
SIDE_WARNING = ParagraphStyle("etle_warning", parent=SIDE_TEXT, fontName=FONT_BOLD)
ROMAN_MONTHS = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")


# --- What the letter says ---------------------------------------------------------------------------


def confirmation_url(violation: Violation) -> str:
    """The public confirmation page for the case, with its reference code and plate filled in."""
    query = urlencode(
        {
            rules.CONFIRMATION_CODE_PARAM: violation.reference_code,
            rules.CONFIRMATION_PLATE_PARAM: violation.plate,
        }
    )
    return f"{settings.SITE_URL}{rules.CONFIRMATION_PATH}?{query}"


def addressee(violation: Violation) -> dict:
    """Who the letter goes to: the named driver when there is one, else the registered owner."""
    if violation.driver_name:
        return {
            "role": "driver",
            "name": violation.driver_name,
            "address": violation.driver_address,
            "phone": violation.driver_phone,
            "email": violation.driver_email,
        }
    return {
        "role": "owner",
        "name": violation.owner_name,
        "address": violation.owner_address,
        "phone": violation.owner_phone,
        "email": violation.owner_email,
    }


def letter_number(violation: Violation, sequence: int, on) -> str:
    """``B/<tracking number>/<n>/<roman month>/<year>``: unique per case and letter."""
    return f"B/{violation.tracking_number}/{sequence}/{ROMAN_MONTHS[on.month - 1]}/{on.year}"


def _when(violation: Violation) -> str:
    local = timezone.localtime(violation.first_captured_at)
    return f"{tanggal(local)} pukul {local:%H.%M} WIB"


def _place(violation: Violation) -> str:
    camera = violation.camera
    parts = [camera.name, camera.road]
    if camera.direction:
        parts.append(f"arah {camera.direction}")
    return ", ".join(part for part in parts if part)


def _violation_name(violation: Violation) -> str:
    kind = rules.violation_type(violation.violation_code)
    return kind.name_id if kind else violation.violation_code


def letter_facts(violation: Violation) -> dict:
    """The facts every form of the notice states (PDF, email, SMS, WhatsApp), as display text."""
    valid = violation.registration_valid_until
    return {
        "tracking_number": violation.tracking_number,
        "reference": violation.reference_code,
        "plate": violation.plate,
        "vehicle": ", ".join(p for p in (violation.vehicle_make, violation.vehicle_colour) if p) or "-",
        "registration_valid_until": tanggal(valid) if valid else "-",
        "when": _when(violation),
        "place": _place(violation),
        "violation": _violation_name(violation),
        "article": violation.article,
        "max_fine": rupiah(violation.max_fine),
        "confirm_by": tanggal(violation.confirm_by),
        "pay_by": tanggal(violation.pay_by),
        "url": confirmation_url(violation),
        "site": settings.SITE_URL,
    }


class QrFlowable(Flowable):
    """The QR code of a link drawn as vectors in the text (the letter toolkit's fixed-mask drawing: a
    PNG with segno's best-mask search cost more than the rest of the letter)."""

    def __init__(self, url: str, size_mm: float = 32):
        super().__init__()
        self.qr = QrDrawing(url, size=size_mm * mm)

    def wrap(self, available_width, available_height):
        return self.qr.size, self.qr.size

    def draw(self):
        self.qr.draw(self.canv, 0, 0)


def _evidence(violation: Violation) -> list[tuple[str, bytes]]:
    """(role, bytes) of the case's pictures for the attachment: scene pictures first, then the plate."""
    links = (
        CaptureImage.objects.filter(capture__violation=violation)
        .select_related("file")
        .order_by("capture__captured_at", "id")
    )
    pictures = []
    for link in links:
        try:
            pictures.append((link.role, link.file.read_verified()))
        except StoredFileCorrupt:
            logger.error("evidence file %s of case %s does not match its hash", link.file_id, violation.pk)
            # never printed as evidence
    pictures.sort(key=lambda item: item[0] == rules.PLATE)
    return pictures[: rules.LETTER_MAX_PICTURES]


def _fitted_width_mm(data: bytes) -> float:
    width, height = ImageReader(io.BytesIO(data)).getSize()
    box_w, box_h = rules.LETTER_PICTURE_BOX_MM
    return min(box_w, box_h * width / height) if height else box_w


def letter_build(
    violation: Violation, *, code: str, number: str, pictures: list[tuple[str, bytes]] | None = None
) -> Letter:
    """The confirmation letter of the case as a :class:`Letter` (not yet rendered or signed)."""
    person = addressee(violation)
    facts = letter_facts(violation)
    recipient = [f"Yth. Sdr. {person['name']}", *[line.strip() for line in person["address"].splitlines()]]
    letter = Letter(
        unit=violation.unit,
        code=code,
        number=number,
        subject="Surat konfirmasi pelanggaran lalu lintas (ETLE)",
        recipient=[line for line in recipient if line],
    )
    if person["role"] == "driver":
        letter.paragraph(
            "Dengan hormat, menurut keterangan pemilik kendaraan, Saudara yang mengemudikan kendaraan "
            "berikut saat terekam kamera penegakan hukum lalu lintas elektronik (ETLE) melanggar:"
        )
    else:
        letter.paragraph(
            "Dengan hormat, kendaraan yang terdaftar atas nama Saudara terekam kamera penegakan hukum "
            "lalu lintas elektronik (ETLE) melakukan pelanggaran berikut:"
        )
    facts_table = Table(
        [
            [label, Paragraph(escape(value), STYLES["cell"])]
            for label, value in [
                ("Kode referensi", facts["reference"]),
                ("Nomor perkara", facts["tracking_number"]),
                ("Kendaraan", f"{facts['plate']}, {facts['vehicle']}"),
                ("Masa berlaku STNK", facts["registration_valid_until"]),
                ("Waktu dan tempat", f"{facts['when']}, {facts['place']}"),
                ("Pelanggaran", f"{facts['violation']}; {facts['article']}"),
                ("Denda maksimal", facts["max_fine"]),
                ("Batas konfirmasi", facts["confirm_by"]),
                ("Batas pembayaran", facts["pay_by"]),
            ]
        ],
        colWidths=[36 * mm, A4[0] - 2 * MARGIN - 36 * mm],
        hAlign="LEFT",
    )
    facts_table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("FONT", (0, 0), (0, -1), FONT_BOLD, 9.5, 12),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
            ]
        )
    )
    letter.flowables += [facts_table, Spacer(1, 3 * mm)]
    confirm = (
        f"Lakukan konfirmasi paling lambat {facts['confirm_by']} di laman {facts['url']} (kode QR di "
        f"samping) dengan kode referensi {facts['reference']} dan nomor polisi {facts['plate']}, atau di "
        f"posko Gakkum Satlantas. Tanpa konfirmasi hingga tanggal itu, atau tanpa pembayaran hingga "
        f"{facts['pay_by']}, STNK diblokir sementara (Perpol No. 7 Tahun 2021 Pasal 87)."
    )
    warning = (
        "PERHATIAN: surat dan pesan resmi ETLE tidak pernah meminta Saudara memasang aplikasi, membuka "
        "file APK, atau mentransfer uang ke rekening pribadi. Periksa keaslian surat ini di situs resmi "
        f"{facts['site']} (kode verifikasi di bagian bawah halaman)."
    )
    texts = [Paragraph(escape(confirm), SIDE_TEXT), Paragraph(escape(warning), SIDE_WARNING)]
    side = Table(
        [[texts, QrFlowable(facts["url"], size_mm=30)]],
        colWidths=[A4[0] - 2 * MARGIN - 34 * mm, 34 * mm],
        hAlign="LEFT",
    )
    side.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    letter.flowables += [side, Spacer(1, 1 * mm)]
    letter.signature(position=rules.LETTER_SIGNER)
    pictures = _evidence(violation) if pictures is None else pictures
    letter.flowables.append(PageBreak())
    letter.heading("LAMPIRAN: FOTO BUKTI PELANGGARAN")
    letter.paragraph(
        f"Nomor perkara {facts['tracking_number']}, nomor polisi {facts['plate']}, {facts['when']}."
    )
    if not pictures:
        letter.paragraph("Foto bukti dapat dilihat di posko Gakkum Satlantas.")
    for role, data in pictures:
        label = "Foto pelat nomor" if role == rules.PLATE else "Foto kejadian"
        letter.paragraph(label)
        letter.image(data, width_mm=_fitted_width_mm(data))
    return letter


# --- Sending ----------------------------------------------------------------------------------------


def _usable(channel: str, value: str) -> str:
    """The contact normalised for ``channel``, or "" when there is none or it cannot be used."""
    from bersih.notify.channels import normalise_recipient

    if not (value or "").strip():
        return ""
    try:
        return normalise_recipient(channel, value)
    except ValidationError:
        return ""


def _send_locked(*, actor, case: Violation) -> Violation:
    """Build, sign and issue the letter of a locked APPROVED case and queue its messages."""
    from bersih.notify.services import message_queue

    person = addressee(case)
    today = timezone.localdate()
    sequence = case.letter_count + 1
    number = letter_number(case, sequence, today)
    code = document_code_new()
    pdf = letter_build(case, code=code, number=number).render()
    document = document_issue(
        actor=actor,
        unit=case.unit,
        kind=rules.LETTER_KIND,
        title="Surat konfirmasi pelanggaran lalu lintas (ETLE)",  # public: no names
        pdf_bytes=pdf,
        code=code,
        reason=f"Surat konfirmasi {case.tracking_number}",
    )
    signed = document.file.read()
    attachment = {
        "name": f"surat-konfirmasi-{case.tracking_number}.pdf",
        "content_type": "application/pdf",
        "content": signed,
    }
    context = {
        "name": person["name"],
        "letter_number": number,
        "document_code": code,
        "unit": case.unit.name,
        **letter_facts(case),
    }
    key = f"etle:{case.pk}:notice:{sequence}"
    queued: dict[str, str] = {}
    address = rules.postal_address(person["name"], person["address"])
    if address is not None:
        message = message_queue(
            channel="post",
            recipient=person["name"],
            template=NOTICE_TEMPLATE,
            context={**context, "address": address},
            idempotency_key=f"{key}:post",
            subject=case,
            attachments=[attachment],
            actor=actor,
        )
        queued["post"] = str(message.ref)
    email = _usable("email", person["email"])
    if email:
        message = message_queue(
            channel="email",
            recipient=email,
            template=NOTICE_TEMPLATE,
            context=context,
            idempotency_key=f"{key}:email",
            subject=case,
            attachments=[attachment],
            actor=actor,
        )
        queued["email"] = str(message.ref)
    phone = _usable("sms", person["phone"])
    if phone:
        for channel in ("sms", "whatsapp"):
            message = message_queue(
                channel=channel,
                recipient=phone,
                template=NOTICE_TEMPLATE,
                context=context,
                idempotency_key=f"{key}:{channel}",
                subject=case,
                actor=actor,
            )
            queued[channel] = str(message.ref)
    now = timezone.now()
    before = {"status": case.status, "letter_number": case.letter_number}
    case.letter, case.letter_sent_at = document, now
    case.letter_number, case.letter_count = number, sequence
    case.returned_at, case.return_reason = None, ""
    if address is None:
        # The post cannot carry a letter to an address without a street and a city: the case goes
        # straight to the wrong-address work list, with blocking paused, as a returned letter would.
        case.status, case.pause_reason = Violation.RETURNED, Violation.PAUSE_RETURNED_MAIL
        case.returned_at, case.return_reason = now, "alamat_tidak_lengkap"
    else:
        case.status = Violation.LETTER_SENT
    case.save()
    ledger.record(
        actor=actor,
        action="etle.letter.sent",
        subject=case,
        unit=case.unit,
        data={
            "tracking_number": case.tracking_number,
            "letter_number": number,
            "document": code,
            "addressee": person["role"],
            "channels": sorted(queued),
            "messages": queued,
            "before": before,
            "after": {"status": case.status, "letter_number": number},
            "confirm_by": case.confirm_by.isoformat(),
            "pay_by": case.pay_by.isoformat(),
        },
    )
    return case


def notice_send(*, actor, violation: Violation) -> Violation:
    """Send the confirmation letter of an APPROVED case; any other state is a ValidationError.

    One transaction: the case row is locked and checked, the letter signed and issued, the messages
    queued (keys per case and letter number, so a retry queues nothing twice), the case marked
    ``letter_sent`` and the ledger entry ``etle.letter.sent`` written.
    """
    with transaction.atomic():
        case = (
            Violation.objects.select_for_update(of=("self",))
            .select_related("unit", "camera")
            .filter(pk=violation.pk)
            .first()
        )
        if case is None:
            raise ValidationError(_("No such case."), code="missing")
        if case.status != Violation.APPROVED:
            raise ValidationError(
                _("A letter goes only to an approved case; this one is %(status)s.")
                % {"status": case.get_status_display()},
                code="state",
            )
        return _send_locked(actor=actor, case=case)


def notice_send_pending(violation_id: int) -> str:
    """The task's work: send the letter of the case if it still waits for one (``sent``/``skipped``)."""
    violation = Violation.objects.filter(pk=violation_id).only("pk").first()
    if violation is None:
        return "missing"
    try:
        notice_send(actor=SYSTEM, violation=violation)
    except ValidationError as exc:
        if getattr(exc, "code", None) == "state":
            return "skipped"  # sent meanwhile (by the sweep or an earlier run), or no longer approved
        raise
    return "sent"


def notice_enqueue_after_commit(violation_id: int) -> None:
    """Queue the letter task once the caller's transaction commits (approval, a named driver).

    A lost enqueue is not lost work: the ``etle.letters`` sweep sends every approved case's letter.
    """

    def enqueue() -> None:
        from ..tasks import send_notice

        try:
            send_notice.enqueue(violation_id=violation_id)
        except Exception:
            logger.exception("could not enqueue the letter of case %s", violation_id)

    transaction.on_commit(enqueue)


def letters_due(now) -> dict:
    """The sweep: send the letter of every approved case left without one (a lost task, a crashed
    worker, a case the owner handed to a named driver). Bounded; each case in its own transaction."""
    waiting = list(
        Violation.objects.filter(status=Violation.APPROVED, updated_at__lte=now - rules.LETTER_SWEEP_GRACE)
        .order_by("updated_at", "id")
        .values_list("pk", flat=True)[: rules.LETTER_SWEEP_BATCH]
    )
    counts = {"sent": 0, "skipped": 0, "failed": 0}
    for pk in waiting:
        try:
            counts[notice_send_pending(pk)] += 1
        except Exception:  # one broken case must not hold up the others; it is tried again next run
            logger.exception("letter of case %s failed", pk)
            counts["failed"] += 1
    counts.pop("missing", None)
    return counts


# --- Returned letters and the wrong-address work list ----------------------------------------------


def letter_returned(*, letter, reason: str, actor) -> None:
    """Outbox return handler: the post room recorded one of our letters as returned.

    Runs inside the transaction that records the return. Only the case's current letter, while the
    case waits for the owner's answer, moves it to ``returned`` with blocking paused; an older letter
    (already resent) or a case answered meanwhile only gets the ledger entry.
    """
    message = letter.message
    if message.subject_type != Violation._meta.label_lower:
        return
    case = Violation.objects.select_for_update(of=("self",)).filter(pk=message.subject_id).first()
    if case is None:
        return
    current = (message.context or {}).get("letter_number") == case.letter_number
    before = {"status": case.status, "pause_reason": case.pause_reason}
    # Blocked for not confirming a letter that never arrived: the block is lifted, the case paused.
    unanswered_block = case.status == Violation.BLOCKED and case.confirmed_at is None
    moved = current and (case.status == Violation.LETTER_SENT or unanswered_block)
    if moved:
        if unanswered_block:
            block_lift(actor=actor, violation=case, reason=rules.LIFT_RETURNED)
        case.status, case.pause_reason = Violation.RETURNED, Violation.PAUSE_RETURNED_MAIL
        case.returned_at, case.return_reason = timezone.now(), reason
        case.save(update_fields=["status", "pause_reason", "returned_at", "return_reason", "updated_at"])
    ledger.record(
        actor=actor,
        action="etle.letter.returned",
        subject=case,
        unit=case.unit,
        data={
            "tracking_number": case.tracking_number,
            "letter_number": (message.context or {}).get("letter_number", ""),
            "post_tracking_code": letter.tracking_code,
            "reason": reason,
            "before": before,
            "after": {"status": case.status, "pause_reason": case.pause_reason},
            "moved": moved,
        },
    )


def _worklist_lock(actor, violation: Violation) -> Violation:
    """The returned case, locked, if ``actor`` works the wrong-address list of its unit."""
    if not actor.has_perm("etle.letter_violation"):
        raise PermissionDenied(_("Only traffic staff handle returned letters."))
    case = (
        Violation.objects.restrict(actor, "letter")
        .select_for_update(of=("self",))
        .select_related("unit", "camera")
        .filter(pk=violation.pk)
        .first()
    )
    if case is None:
        raise PermissionDenied(_("This case is outside your units."))
    if case.status != Violation.RETURNED:
        raise ValidationError(
            _("Only a case whose letter came back is on the wrong-address list; this one is %(status)s.")
            % {"status": case.get_status_display()},
            code="state",
        )
    return case


def address_check(address: str) -> str:
    """A corrected address as staff typed it: stripped, not empty, not too long, with a street and city."""
    address = "\n".join(line.strip() for line in (address or "").strip().splitlines() if line.strip())
    if not address:
        raise ValidationError(_("Enter the corrected address."), code="address")
    if len(address) > rules.MAX_ADDRESS_LENGTH:
        raise ValidationError(
            _("The address is longer than %(limit)d characters.") % {"limit": rules.MAX_ADDRESS_LENGTH},
            code="address",
        )
    if rules.postal_address("-", address) is None:
        raise ValidationError(
            _("Write the street and the city, separated by a comma or a new line."), code="address"
        )
    return address


def letter_resend(
    *, actor, violation: Violation, address: str, phone: str = "", email: str = ""
) -> Violation:
    """Send a returned case's letter again to a corrected address (and phone/email when given).

    The pause ends and both deadlines restart from today (``rules.resend_deadlines``); the new letter
    gets the next letter number. Ledger: ``etle.letter.address_corrected`` then ``etle.letter.sent``.
    """
    address = address_check(address)
    phone, email = (phone or "").strip(), (email or "").strip()
    if phone and not _usable("sms", phone):
        raise ValidationError(_("Enter a valid phone number."), code="phone")
    if email and not _usable("email", email):
        raise ValidationError(_("Enter a valid email address."), code="email")
    with transaction.atomic():
        case = _worklist_lock(actor, violation)
        prefix = "driver" if case.driver_name else "owner"
        fields = [f"{prefix}_address", f"{prefix}_phone", f"{prefix}_email"]
        before = {name: getattr(case, name) for name in fields}
        before.update(confirm_by=case.confirm_by.isoformat(), pay_by=case.pay_by.isoformat())
        setattr(case, f"{prefix}_address", address)
        if phone:
            setattr(case, f"{prefix}_phone", phone)
        if email:
            setattr(case, f"{prefix}_email", email)
        case.confirm_by, case.pay_by = rules.resend_deadlines(timezone.localdate())
        case.status, case.pause_reason = Violation.APPROVED, ""
        case.save()
        ledger.record(
            actor=actor,
            action="etle.letter.address_corrected",
            subject=case,
            unit=case.unit,
            data={
                "tracking_number": case.tracking_number,
                "addressee": prefix,
                "return_reason": case.return_reason,
                "before": before,
                "after": {
                    **{name: getattr(case, name) for name in fields},
                    "confirm_by": case.confirm_by.isoformat(),
                    "pay_by": case.pay_by.isoformat(),
                },
            },
        )
        return _send_locked(actor=actor, case=case)


def violation_close_undeliverable(*, actor, violation: Violation, reason: str) -> Violation:
    """Close a returned case that cannot be delivered (``cancelled``), with the officer's reason."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Give the reason for closing the case."), code="reason")
    if len(reason) > rules.MAX_CLOSE_REASON:
        raise ValidationError(
            _("The reason is longer than %(limit)d characters.") % {"limit": rules.MAX_CLOSE_REASON},
            code="reason",
        )
    with transaction.atomic():
        case = _worklist_lock(actor, violation)
        before = {"status": case.status, "pause_reason": case.pause_reason}
        case.status, case.pause_reason, case.close_reason = Violation.CANCELLED, "", reason
        case.save(update_fields=["status", "pause_reason", "close_reason", "updated_at"])
        block_lift(actor=actor, violation=case, reason=rules.LIFT_CANCELLED)  # none in force: a no-op
        ledger.record(
            actor=actor,
            action="etle.violation.closed_undeliverable",
            subject=case,
            unit=case.unit,
            data={
                "tracking_number": case.tracking_number,
                "return_reason": case.return_reason,
                "reason": reason,
                "before": before,
                "after": {"status": case.status},
            },
        )
    return case

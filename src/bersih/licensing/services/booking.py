"""Online pre-registration: the booking and its confirmation message, in one transaction."""

from __future__ import annotations

from datetime import date, datetime, time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from bersih.core.formatting import rupiah
from bersih.core.models import Unit
from bersih.ledger.services import SystemActor
from bersih.notify.channels import normalise_recipient
from bersih.notify.services import message_queue

from .. import rules
from ..models import Application
from .applications import application_register

BOOKING_TEMPLATE = "licensing.booking"
# Who books on the public page: a person without an account, known by their NIK.
APPLICANT = SystemActor(label="applicant (public booking page)")


def _contacts(phone: str, email: str) -> tuple[str, str]:
    """The phone in E.164 and the checked e-mail address; at least one of them is required."""
    phone, email = (phone or "").strip(), (email or "").strip()
    errors = {}
    if phone:
        try:
            phone = normalise_recipient("sms", phone)
        except ValidationError as exc:
            errors["phone"] = exc.messages
    if email:
        try:
            email = normalise_recipient("email", email)
        except ValidationError as exc:
            errors["email"] = exc.messages
    if errors:
        raise ValidationError(errors)
    if not phone and not email:
        raise ValidationError(
            _("Give a phone number or an e-mail address for the confirmation."), code="contact"
        )
    return phone, email


def application_book(
    *,
    actor=APPLICANT,
    unit: Unit,
    nik: str,
    full_name: str,
    birth_date: date,
    service: str,
    sim_class: str,
    booked_day: date,
    booked_slot: time,
    phone: str = "",
    email: str = "",
    language: str = "id",
    now: datetime | None = None,
) -> Application:
    """Book a day and slot online and queue the confirmation (SMS and WhatsApp to the phone, e-mail to
    the address) with the tracking number to check in with."""
    phone, email = _contacts(phone, email)
    with transaction.atomic():
        application = application_register(
            actor=actor,
            unit=unit,
            nik=nik,
            full_name=full_name,
            birth_date=birth_date,
            service=service,
            sim_class=sim_class,
            phone=phone,
            email=email,
            booked_day=booked_day,
            booked_slot=booked_slot,
            now=now,
        )
        context = {
            "name": application.full_name,
            "reference": application.tracking_number,
            "satpas": unit.name,
            "address": unit.address,
            "service": str(rules.SERVICE_KINDS[service]),
            "sim_class": str(rules.SIM_CLASSES[sim_class]),
            "day": booked_day.strftime("%d-%m-%Y"),
            "slot": booked_slot.strftime("%H:%M"),
            "fee": rupiah(application.fee),
            # The public tracking page (/lacak/) shows the application's steps with the NIK.
            "url": f"{settings.SITE_URL}/lacak/",
        }
        recipients = [("sms", phone), ("whatsapp", phone), ("email", email)]
        for channel, recipient in recipients:
            if recipient:
                message_queue(
                    channel=channel,
                    recipient=recipient,
                    template=BOOKING_TEMPLATE,
                    context=context,
                    language=language,
                    idempotency_key=f"licensing:{application.pk}:booked:{channel}",
                    subject=application,
                    unit=unit,
                    actor=actor,
                )
    return application

"""The document check: the clerk at the ``documents`` stage records the numbers of the applicant's
health certificate (surat keterangan sehat) and psychology test certificate (Perpol 5/2021 art. 9)."""

from __future__ import annotations

import re
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bersih import ledger

from ..models import Application, LineEntry
from .line import _lock_called

DOCUMENTS_STAGE = "documents"
# A certificate number as clinics and psychology bureaus print it: letters, digits and / . - and spaces,
# e.g. "SKS/0123/XI/2026"; long enough to be a number, not a tick.
CERTIFICATE_NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9./ -]{2,59}$")


def _clean_number(value: str, label: str) -> str:
    number = " ".join(str(value or "").split()).upper()
    if not number:
        raise ValidationError(_("The %(what)s number is required.") % {"what": label}, code="required")
    if not CERTIFICATE_NUMBER.match(number):
        raise ValidationError(
            _("The %(what)s number must be 3 to 60 letters, digits, slashes, dots or dashes.")
            % {"what": label},
            code="invalid",
        )
    return number


def application_certificates_record(
    *,
    actor,
    entry: LineEntry,
    health_certificate: str,
    psychology_certificate: str,
    now: datetime | None = None,
) -> Application:
    """Record the certificate numbers the clerk checked, for the applicant called at their counter at the
    document check; a correction replaces the earlier numbers (both kept in the ledger)."""
    now = now or timezone.now()
    health = _clean_number(health_certificate, _("health certificate"))
    psychology = _clean_number(psychology_certificate, _("psychology certificate"))
    if health == psychology:
        raise ValidationError(
            _("The health and psychology certificates cannot carry the same number."), code="same_number"
        )
    with transaction.atomic():
        entry = _lock_called(actor, entry, now)
        if entry.stage != DOCUMENTS_STAGE:
            raise ValidationError(_("Certificates are recorded at the document check."), code="stage")
        application = Application.objects.select_for_update().get(pk=entry.ticket.application_id)
        before = {"health": application.health_certificate, "psychology": application.psychology_certificate}
        if before == {"health": health, "psychology": psychology}:
            return application
        application.health_certificate, application.psychology_certificate = health, psychology
        application.save(update_fields=["health_certificate", "psychology_certificate"])
        ledger.record(
            actor=actor,
            action="licensing.application.certificates_recorded",
            subject=application,
            unit=application.unit,
            data={
                "label": entry.ticket.label,
                "counter": entry.counter.number,
                "health_certificate": health,
                "psychology_certificate": psychology,
                "before": before,
            },
        )
    return application

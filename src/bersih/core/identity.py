"""The identity number (NIK) a person is given by: its shape checked before it is stored.

Every service that takes a NIK (ETLE's named driver, the SIM applicant, ...) checks it here.
"""

from __future__ import annotations

import re
from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# --- NIK (Nomor Induk Kependudukan, UU 24/2013 Pasal 13; Permendagri 72/2019 region codes) ------------
# 16 digits: province (2), regency/city (2), district (2), birth date DDMMYY (women: day + 40), serial (4).
NIK_PROVINCES = frozenset(
    {"11", "12", "13", "14", "15", "16", "17", "18", "19", "21"}
    | {"31", "32", "33", "34", "35", "36", "51", "52", "53"}
    | {"61", "62", "63", "64", "65", "71", "72", "73", "74", "75", "76"}
    | {"81", "82", "91", "92", "93", "94", "95", "96"}
)


def _plausible_birth_date(day: int, month: int, year: int) -> bool:
    """DDMMYY names a real day in 19YY or 20YY (29 February needs a leap year in one of them)."""
    for century in (1900, 2000):
        try:
            date(century + year, month, day)
        except ValueError:
            continue
        return True
    return False


def nik_check(value: str) -> str:
    """The NIK as 16 digits (spaces and dots removed); ValidationError with a clear reason otherwise."""
    nik = re.sub(r"[\s.\-]", "", str(value or ""))
    if not re.fullmatch(r"[0-9]{16}", nik):
        raise ValidationError(_("A NIK is 16 digits, as printed on the KTP."), code="nik_format")
    if nik[:2] not in NIK_PROVINCES or nik[2:4] == "00" or nik[4:6] == "00":
        raise ValidationError(
            _("The first six digits of this NIK are not a region code: check the number on the KTP."),
            code="nik_region",
        )
    day, month, year = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    if day > 40:  # women: the day of birth plus 40
        day -= 40
    if not _plausible_birth_date(day, month, year):
        raise ValidationError(
            _("Digits 7 to 12 of this NIK are not a date of birth: check the number on the KTP."),
            code="nik_date",
        )
    if nik[12:] == "0000":
        raise ValidationError(_("The last four digits of a NIK are never 0000."), code="nik_serial")
    return nik

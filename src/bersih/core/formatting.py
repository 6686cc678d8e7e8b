"""Money and dates as people in Indonesia read them: ``Rp1.250.000`` and ``28 November 2026``.

Pure functions, shared by templates (the ``rupiah`` filter), PDFs and messages.
"""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone

MONTHS = {
    "id": (
        "Januari",
        "Februari",
        "Maret",
        "April",
        "Mei",
        "Juni",
        "Juli",
        "Agustus",
        "September",
        "Oktober",
        "November",
        "Desember",
    ),
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
}


def rupiah(amount: int) -> str:
    """Whole rupiah with dots between thousands and no space: ``Rp1.250.000``, ``-Rp5.000``."""
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise TypeError(f"rupiah amounts are whole integers, not {amount!r}")
    sign = "-" if amount < 0 else ""
    return f"{sign}Rp{abs(amount):,}".replace(",", ".")


def tanggal(value: date | datetime, lang: str = "id") -> str:
    """A long date, ``28 November 2026``; an aware datetime is read in Asia/Jakarta first."""
    if isinstance(value, datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    months = MONTHS.get((lang or "id")[:2], MONTHS["id"])
    return f"{value.day} {months[value.month - 1]} {value.year}"

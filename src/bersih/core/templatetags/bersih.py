"""The shell's template filters and tags: times in WIB, money in rupiah, form fields, status badges.

Load with ``{% load bersih %}``. These are the one way pages show a time or an amount, so that every
module writes ``{{ created_at|wib }}`` and ``{{ fine|rupiah }}`` rather than its own format.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django import template
from django.utils import formats
from django.utils.html import format_html

from bersih.core import formatting

register = template.Library()

# Every time is stored in UTC and shown in the Polres's own zone, Western Indonesian Time.
JAKARTA = ZoneInfo("Asia/Jakarta")
WIB = "WIB"
# Formats that read the same in both languages; month names come from the active language.
WIB_FORMATS = {
    "datetime": "j F Y, H.i",
    "date": "j F Y",
    "time": "H.i",
    "short": "d/m/Y H.i",
}
BADGE_TONES = frozenset({"neutral", "info", "success", "warning", "danger"})


def to_jakarta(value: dt.datetime) -> dt.datetime:
    """An aware datetime in Asia/Jakarta; a naive one is taken as UTC, the project's storage zone."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(JAKARTA)


@register.filter
def wib(value, part: str = "datetime") -> str:
    """``{{ value|wib }}`` → ``28 November 2026, 19.06 WIB``; ``|wib:"date"``, ``"time"`` or ``"short"``.

    A date (not a datetime) is shown as a date without a zone. Empty values give an empty string.
    """
    if value in (None, ""):
        return ""
    fmt = WIB_FORMATS.get(part, WIB_FORMATS["datetime"])
    if isinstance(value, dt.datetime):
        shown = formats.date_format(to_jakarta(value), fmt)
        return shown if part == "date" else f"{shown} {WIB}"
    if isinstance(value, dt.date):
        return formats.date_format(value, WIB_FORMATS["date"])
    return ""


def whole_rupiah(value) -> int | None:
    """The amount as whole rupiah (half a rupiah rounds up), or None if it is not a number."""
    if value is None or isinstance(value, bool):
        return None
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    if not amount.is_finite():
        return None
    return int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@register.filter
def rupiah(value) -> str:
    """``{{ 1250000|rupiah }}`` → ``Rp1.250.000``: whole rupiah, dots between thousands, in every language."""
    amount = whole_rupiah(value)
    return "" if amount is None else formatting.rupiah(amount)


@register.simple_tag
def form_field(field):
    """``{% form_field form.name %}``: label, help text, errors and widget, linked for screen readers."""
    return field.as_field_group()


@register.simple_tag
def badge(label, tone: str = "neutral"):
    """``{% badge _("Paid") "success" %}``: a status shown in words, with colour only as a second cue."""
    tone = tone if tone in BADGE_TONES else "neutral"
    return format_html('<span class="badge badge--{}">{}</span>', tone, label)


@register.simple_tag
def page_numbers(page, on_each_side: int = 1, on_ends: int = 1) -> list:
    """The page numbers around ``page``, with ``paginator.ELLIPSIS`` where runs are left out."""
    return list(page.paginator.get_elided_page_range(page.number, on_each_side=on_each_side, on_ends=on_ends))

"""Reading TNKB plates (Perpol 7/2021): normalise what a camera read, never guess silently.

``parse("b1234 fab")`` → ``Plate(region="B", number=1234, suffix="FAB")``, shown as ``B 1234 FAB``.
A read that only fits once O/0 or I/1 are swapped is still parsed, but marked ``ambiguous`` so that a
reviewer looks at the picture: the camera may have read a different car's plate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from . import rules

MAX_READ_LENGTH = 20
_ALLOWED = re.compile(r"^[A-Za-z0-9 .\-]*$")
_STRICT = re.compile(r"^([A-Z]{1,2})([1-9][0-9]{0,3})([A-Z]{0,3})$")
_STRICT_SPACED = re.compile(r"^([A-Z]{1,2}) ([1-9][0-9]{0,3})(?: ([A-Z]{1,3}))?$")
# The same shape where a digit may have been read as a letter (O, I) in the number, or a letter as a
# digit (0, 1) in the suffix.
_LOOSE = re.compile(r"^([A-Z]{1,2})([0-9OI]{1,4})([A-Z01]{0,3})$")
_LOOSE_SPACED = re.compile(r"^([A-Z]{1,2}) ([0-9OI]{1,4})(?: ([A-Z01]{1,3}))?$")
_SEPARATOR = re.compile(r"[ .\-]")
_SEPARATORS = re.compile(r"[ .\-]+")
_TO_DIGIT = str.maketrans("OI", "01")
_TO_LETTER = str.maketrans("01", "OI")


class PlateError(ValueError):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Plate:
    region: str
    number: int
    suffix: str
    ambiguous: bool = False

    def __str__(self) -> str:
        return " ".join(part for part in (self.region, str(self.number), self.suffix) if part)

    @property
    def known_region(self) -> bool:
        return self.region in rules.REGION_CODES

    @property
    def class_hint(self) -> str | None:
        """The vehicle class the number range suggests (national practice; a hint, never a rule)."""
        for low, high, vehicle_class in rules.NUMBER_CLASS_RANGES:
            if low <= self.number <= high:
                return vehicle_class
        return None

    @property
    def area(self) -> str | None:
        """The registration area within Polda Metro Jaya (code B), from the first suffix letter."""
        if self.region != "B" or not self.suffix:
            return None
        return rules.PMJ_AREAS.get(self.suffix[0])


def compact(text: str) -> str:
    return _SEPARATOR.sub("", text).upper()


def parse(text: str) -> Plate:
    """The plate in ``text``, or :class:`PlateError` (codes ``empty``, ``characters``, ``format``)."""
    if text is None or not text.strip():
        raise PlateError("empty", _("No plate was read."))
    if len(text) > MAX_READ_LENGTH or not _ALLOWED.match(text):
        raise PlateError("characters", _("A plate has only letters, digits and spaces."))
    upper = text.strip().upper()
    # The common case, a clean read such as "B 1234 FAB": what the general way below would find too.
    match = _STRICT_SPACED.match(upper)
    if match:
        region, number, suffix = match.groups()
        return Plate(region, int(number), suffix or "")
    # Where the camera separated the parts, the separators say which part each character is in.
    tokens = _SEPARATORS.split(upper)
    candidates = [" ".join(tokens)] if len(tokens) in (2, 3) else []
    candidates.append(compact(text))
    for candidate in candidates:
        plate = _read(candidate, spaced=" " in candidate)
        if plate is not None:
            return plate
    raise PlateError(
        "format",
        _("Not a plate: a region code (1-2 letters), a number (1-9999) and up to 3 letters are expected."),
    )


def _read(candidate: str, *, spaced: bool) -> Plate | None:
    match = (_STRICT_SPACED if spaced else _STRICT).match(candidate)
    if match:
        region, number, suffix = match.groups()
        return Plate(region, int(number), suffix or "")
    match = (_LOOSE_SPACED if spaced else _LOOSE).match(candidate)
    if match:
        region, number, suffix = match.groups()
        number = number.translate(_TO_DIGIT)
        suffix = (suffix or "").translate(_TO_LETTER)
        if not number.startswith("0"):
            return Plate(region, int(number), suffix, ambiguous=True)
    return None


def normalise(text: str) -> str:
    """The canonical text of a plate (``B 1234 FAB``); :class:`PlateError` if it is none."""
    return str(parse(text))

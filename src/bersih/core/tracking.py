"""Tracking numbers: the one public identifier of every module.

Shape: ``ETL-2026-7K3QX-9MD2B-R`` — a service prefix (2 to 5 letters), the year, ten random Crockford
base-32 characters (50 bits from :mod:`secrets`) and one check character.

The check character makes the weighted sum of every character (prefix, year, random part and the check
itself, each read as a base-36 value) divisible by 37. Because 37 is prime, larger than any difference
of two character values, and the weights are distinct powers of 2 (a primitive root modulo 37), every
single-character substitution and every swap of two adjacent characters changes the sum modulo 37 and
is caught. A number is only issued when its check value is itself a Crockford character (32 of 37 cases),
so the check never needs symbols like ``*`` or ``~``.

Lookups: each module registers its prefix with :func:`register_prefix` and an object that answers
:meth:`PublicTimeline.public_timeline` with a second factor; wrong lookups are rate-limited by
:func:`lookup_guard`.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from . import ratelimit

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# What people type for what they mean (Crockford): O is zero, I and L are one.
ALIASES = str.maketrans({"O": "0", "I": "1", "L": "1"})
RANDOM_LENGTH = 10
MODULUS = 37
PREFIX_RE = re.compile(r"^[A-Z]{2,5}$")
_COMPACT_RE = re.compile(
    rf"^(?P<prefix>[A-Z]{{2,5}})(?P<year>[0-9]{{4}})(?P<random>[0-9A-Z]{{{RANDOM_LENGTH}}})(?P<check>[0-9A-Z])$"
)


class InvalidTrackingNumber(ValueError):
    """A value that is not a tracking number; ``reason`` says why in the user's language."""

    def __init__(self, reason: str, code: str):
        super().__init__(reason)
        self.reason = reason
        self.code = code


@dataclass(frozen=True)
class TrackingNumber:
    prefix: str
    year: int
    random: str
    check: str

    def __str__(self) -> str:
        half = RANDOM_LENGTH // 2
        return f"{self.prefix}-{self.year:04d}-{self.random[:half]}-{self.random[half:]}-{self.check}"

    @property
    def compact(self) -> str:
        return f"{self.prefix}{self.year:04d}{self.random}{self.check}"


def _weighted_sum(chars: str) -> int:
    """Σ value(c) · 2^k mod 37, with k counted from the right starting at 0 (the check's weight is 1)."""
    total = 0
    weight = 1
    for char in reversed(chars):
        total = (total + int(char, 36) * weight) % MODULUS
        weight = (weight * 2) % MODULUS
    return total


def _check_value(body: str) -> int:
    """The value the check character must have so that the whole number's sum is 0 mod 37."""
    return (-_weighted_sum(body + "0")) % MODULUS


def _check_char(body: str) -> str | None:
    value = _check_value(body)
    char = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[value] if value < 36 else None
    return char if char is not None and char in CROCKFORD else None


def new_tracking_number(prefix: str, year: int | None = None) -> str:
    """A fresh, unguessable number such as ``ETL-2026-7K3QX-9MD2B-R``; the year defaults to now (WIB)."""
    prefix = prefix.upper()
    if not PREFIX_RE.match(prefix):
        raise ValueError(f"a tracking prefix is 2 to 5 letters, not {prefix!r}")
    year = year if year is not None else timezone.localdate().year
    if not 1000 <= year <= 9999:
        raise ValueError(f"year out of range: {year}")
    while True:
        random_part = "".join(secrets.choice(CROCKFORD) for _ in range(RANDOM_LENGTH))
        number = compose(prefix, year, random_part)
        if number is not None:  # otherwise draw again: the check must be a plain Crockford character
            return number


def compose(prefix: str, year: int, random_part: str) -> str | None:
    """The number for these parts with its check character, or None when the check value would not be
    a Crockford character (the generator then draws another random part)."""
    check = _check_char(f"{prefix}{year:04d}{random_part}")
    return str(TrackingNumber(prefix, year, random_part, check)) if check is not None else None


def composer(prefix: str, year: int):
    """:func:`compose` for many numbers of one prefix and year (a batch of cases): the fixed part's
    share of the weighted sum is computed once, each random part's with a table. Same numbers."""
    head = f"{prefix}{year:04d}"
    # The weights of body + "0" from the right: the trailing "0" has 2^0, the random part 2^1 … 2^n.
    length = RANDOM_LENGTH
    head_sum = sum(int(char, 36) * pow(2, length + 1 + k, MODULUS) for k, char in enumerate(reversed(head)))
    weights = [pow(2, length - i, MODULUS) for i in range(length)]
    values = {char: int(char, 36) for char in CROCKFORD}
    checks = {v: c for v, c in enumerate("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ") if c in CROCKFORD}
    half = length // 2
    text = f"{prefix}-{year:04d}-"

    def compose_one(random_part: str) -> str | None:
        total = head_sum
        try:
            for weight, char in zip(weights, random_part, strict=True):
                total += weight * values[char]
        except (KeyError, ValueError):  # not ten Crockford characters: the general way
            return compose(prefix, year, random_part)
        check = checks.get(-total % MODULUS)
        return f"{text}{random_part[:half]}-{random_part[half:]}-{check}" if check is not None else None

    return compose_one


def normalise(value: str) -> str:
    """Upper case, without spaces or dashes."""
    return re.sub(r"[\s\-_.]+", "", str(value)).upper()


def parse(value: str) -> TrackingNumber:
    """Read a tracking number as people type it (any case, spaces, dashes, O for 0, I or L for 1)."""
    compact = normalise(value)
    if not compact:
        raise InvalidTrackingNumber(_("Enter a tracking number."), "empty")
    match = re.match(r"^(?P<prefix>[A-Z]{2,5})(?P<rest>.*)$", compact)
    if not match:
        raise InvalidTrackingNumber(
            _("A tracking number starts with the letters of its service, such as ETL."), "format"
        )
    prefix = match["prefix"]
    rest = match["rest"].translate(ALIASES)
    matched = _COMPACT_RE.match(prefix + rest)
    if not matched:
        raise InvalidTrackingNumber(
            _("This is not a tracking number: it should look like %(example)s.")
            % {"example": f"{prefix}-2026-7K3QX-9MD2B-R"},
            "format",
        )
    random_part, check = matched["random"], matched["check"]
    if any(char not in CROCKFORD for char in random_part + check):
        raise InvalidTrackingNumber(
            _("The tracking number contains a character that is never used (such as U)."), "character"
        )
    if _weighted_sum(matched.group(0)) != 0:
        raise InvalidTrackingNumber(
            _("The check character does not match: probably a typo. Please check the number again."),
            "check",
        )
    return TrackingNumber(prefix, int(matched["year"]), random_part, check)


def is_valid(value: str) -> bool:
    try:
        parse(value)
    except InvalidTrackingNumber:
        return False
    return True


# --- Which module answers which prefix ------------------------------------------------------------


@dataclass(frozen=True)
class TimelineEvent:
    """One public step of a record: when, what (already translated), and an optional note."""

    at: Any  # an aware datetime or a date
    label: str
    note: str = ""


@runtime_checkable
class PublicTimeline(Protocol):
    """What a module gives /lacak/: the public progress of one of its records.

    Return ``None`` when the number is unknown *or* the second factor is wrong (the caller cannot tell
    which, and counts it with :func:`lookup_guard`). Never return private data: only steps and dates.
    """

    def public_timeline(self, number: TrackingNumber, second_factor: str) -> list[TimelineEvent] | None: ...


@dataclass(frozen=True)
class PrefixRegistration:
    prefix: str
    module: str  # a dotted path to a PublicTimeline, imported on first use
    label: str  # what the service is called, for people

    def provider(self) -> PublicTimeline:
        target = import_string(self.module)
        return target() if isinstance(target, type) else target


# Filled at import time by each app's AppConfig.ready(): configuration, the same in every process.
_REGISTRY: dict[str, PrefixRegistration] = {}


def register_prefix(prefix: str, module: str, label: str) -> PrefixRegistration:
    """Claim ``prefix`` for a module; ``module`` is the dotted path of its PublicTimeline."""
    prefix = prefix.upper()
    if not PREFIX_RE.match(prefix):
        raise ValueError(f"a tracking prefix is 2 to 5 letters, not {prefix!r}")
    existing = _REGISTRY.get(prefix)
    registration = PrefixRegistration(prefix, module, str(label))
    if existing and existing.module != module:
        raise ValueError(f"tracking prefix {prefix} already belongs to {existing.module}")
    _REGISTRY[prefix] = registration
    return registration


def registration_for(number: TrackingNumber | str) -> PrefixRegistration | None:
    prefix = number.prefix if isinstance(number, TrackingNumber) else parse(number).prefix
    return _REGISTRY.get(prefix)


def registered_prefixes() -> dict[str, PrefixRegistration]:
    return dict(_REGISTRY)


# --- Wrong lookups are rate-limited ---------------------------------------------------------------

LOOKUP_FAILURE_LIMIT = 10  # wrong numbers or second factors per address ...
LOOKUP_FAILURE_WINDOW = 15 * 60  # ... per 15 minutes


class LookupGuard:
    """Counts a caller's failed lookups of ``scope`` and refuses them all once over the limit.

    ``guard = lookup_guard(request, "etle")``; before looking up, ``if guard.blocked(): return
    guard.refusal()``; after a miss, ``guard.failed()``. Only misses count, so a citizen who types their
    number right is never slowed down, but someone guessing is stopped even if a guess would have hit.
    """

    def __init__(self, request: HttpRequest, scope: str, *, limit: int, window: int):
        self.key = f"lookup:{scope}:ip:{ratelimit.client_ip(request)}"
        self.request = request
        self.limit = limit
        self.window = window
        self.retry_after = window

    def blocked(self) -> bool:
        state = ratelimit.peek(self.key, limit=self.limit, window=self.window)
        self.retry_after = state.retry_after
        return not state.allowed

    def failed(self) -> bool:
        """Count one miss; True if the caller is now blocked."""
        state = ratelimit.hit(self.key, limit=self.limit, window=self.window)
        self.retry_after = state.retry_after
        return state.remaining == 0

    def message(self) -> str:
        minutes = max(1, (self.retry_after + 59) // 60)
        return _(
            "Too many wrong numbers or codes from your connection. Please try again in %(minutes)d minutes."
        ) % {"minutes": minutes}

    def refusal(self) -> HttpResponse:
        """429 in the caller's language: problem+json for the API, plain text otherwise."""
        from .errors import problem, wants_problem_json

        if wants_problem_json(self.request):
            response = problem(429, "too-many-lookups", _("Too many lookups"), self.message())
        else:
            response = HttpResponse(self.message(), status=429, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = str(self.retry_after)
        return response


def lookup_guard(
    request: HttpRequest,
    scope: str,
    *,
    limit: int = LOOKUP_FAILURE_LIMIT,
    window: int = LOOKUP_FAILURE_WINDOW,
) -> LookupGuard:
    return LookupGuard(request, scope, limit=limit, window=window)

"""Tracking numbers: shape, randomness, tolerant parsing, typo detection, registry, lookup rate limit."""

from __future__ import annotations

import math
import re

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import RequestFactory
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bersih.core import tracking
from bersih.core.tracking import (
    CROCKFORD,
    InvalidTrackingNumber,
    lookup_guard,
    new_tracking_number,
    parse,
)

# These tests compare messages with their English source text (the default language is Indonesian).
pytestmark = pytest.mark.usefixtures("english_messages")

prefixes = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=2, max_size=5)
years = st.integers(min_value=2000, max_value=2099)
random_parts = st.text(alphabet=CROCKFORD, min_size=tracking.RANDOM_LENGTH, max_size=tracking.RANDOM_LENGTH)


@st.composite
def numbers(draw) -> str:
    """Valid numbers built from hypothesis' own draws (replayable), as the generator builds them."""
    prefix, year = draw(prefixes), draw(years)
    number = draw(random_parts.map(lambda random_part: tracking.compose(prefix, year, random_part)))
    assume(number is not None)
    return number


SHAPE = re.compile(r"^[A-Z]{2,5}-\d{4}-[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]$")


def _alphabet_at(compact: str, index: int, prefix_length: int) -> str:
    """The characters a person could mistype at ``index`` that still mean something different."""
    if index < prefix_length:
        return "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    if index < prefix_length + 4:
        return "0123456789"
    return CROCKFORD


def test_shape_and_year():
    number = new_tracking_number("etl", year=2026)
    assert SHAPE.match(number), number
    assert number.startswith("ETL-2026-")


def test_default_year_is_this_year_in_jakarta():
    from django.utils import timezone

    assert parse(new_tracking_number("DOC")).year == timezone.localdate().year


def test_randomness_is_at_least_40_bits():
    # Ten base-32 characters, of which 32 in 37 draws are kept: log2(32^10 * 32/37) bits.
    bits = tracking.RANDOM_LENGTH * 5 + math.log2(32 / 37)
    assert bits >= 40
    numbers = {new_tracking_number("ETL", year=2026) for _ in range(2000)}
    assert len(numbers) == 2000
    # Every random position uses the whole alphabet (no fixed or sequential parts).
    for position in range(tracking.RANDOM_LENGTH):
        seen = {parse(n).random[position] for n in numbers}
        assert len(seen) == 32


@settings(deadline=None)  # a shared CI machine must not turn a slow example into a failure
@given(prefixes, years)
def test_every_new_number_parses_back(prefix, year):
    number = new_tracking_number(prefix, year=year)
    parsed = parse(number)
    assert str(parsed) == number
    assert (parsed.prefix, parsed.year) == (prefix, year)


@settings(deadline=None, max_examples=300)
@given(
    prefixes,
    years,
    st.one_of(random_parts, st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", max_size=12)),
)
def test_composer_gives_what_compose_gives(prefix, year, random_part):
    """The batch form (the fixed part's sum once) answers exactly as compose, None included; parts that
    are not ten Crockford characters go the general way."""
    assert tracking.composer(prefix, year)(random_part) == tracking.compose(prefix, year, random_part)


@settings(deadline=None, max_examples=300)
@given(numbers(), st.data())
def test_every_single_substitution_is_caught(number, data):
    parsed = parse(number)
    prefix, compact = parsed.prefix, parsed.compact
    index = data.draw(st.integers(min_value=0, max_value=len(compact) - 1))
    alphabet = _alphabet_at(compact, index, len(prefix)).replace(compact[index], "")
    replacement = data.draw(st.sampled_from(alphabet))
    typo = compact[:index] + replacement + compact[index + 1 :]
    with pytest.raises(InvalidTrackingNumber):
        parse(typo)


@settings(deadline=None, max_examples=300)
@given(numbers(), st.data())
def test_every_adjacent_transposition_is_caught(number, data):
    compact = parse(number).compact
    swappable = [i for i in range(len(compact) - 1) if compact[i] != compact[i + 1]]
    index = data.draw(st.sampled_from(swappable))
    typo = compact[:index] + compact[index + 1] + compact[index] + compact[index + 2 :]
    with pytest.raises(InvalidTrackingNumber):
        parse(typo)


@settings(deadline=None, max_examples=50)
@given(numbers(), st.data())
def test_substitutions_in_the_printed_form_are_caught_too(number, data):
    prefix = parse(number).prefix
    positions = [i for i, char in enumerate(number) if char != "-"]
    index = data.draw(st.sampled_from(positions))
    compact_index = positions.index(index)
    alphabet = _alphabet_at(number, compact_index, len(prefix)).replace(number[index], "")
    typo = number[:index] + data.draw(st.sampled_from(alphabet)) + number[index + 1 :]
    with pytest.raises(InvalidTrackingNumber):
        parse(typo)


def test_tolerant_forms():
    number = new_tracking_number("ETL", year=2026)
    canonical = parse(number)
    compact = canonical.compact
    spaced = " ".join([compact[:3], compact[3:7], compact[7:12], compact[12:]])
    assert parse(spaced) == canonical
    assert parse(number.lower()) == canonical
    assert parse(f"  {compact.lower()}  ") == canonical
    assert parse(number.replace("-", " - ")) == canonical


def test_crockford_aliases_are_read_as_digits():
    # Find a number with a 0 or 1 in its random part, then type it with O, I and L.
    while True:
        parsed = parse(new_tracking_number("SIM", year=2026))
        if "0" in parsed.random or "1" in parsed.random:
            break
    typed = str(parsed).replace("-2026-", "|").replace("0", "O")
    typed = typed.replace("|", "-2O26-")
    assert parse(typed) == parsed
    if "1" in parsed.random:
        assert parse(str(parsed).replace("1", "l")) == parsed
        assert parse(str(parsed).replace("1", "I")) == parsed


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("2026-ABCDE", "format"),
        ("ETL-2026-ABC", "format"),
        ("ETL-26-7K3QX-9MD2B-R", "format"),
        ("ETL-2026-7K3QX-9MD2U-R", "character"),
    ],
)
def test_malformed_numbers_say_why(value, code):
    with pytest.raises(InvalidTrackingNumber) as caught:
        parse(value)
    assert caught.value.code == code
    assert str(caught.value)


def test_wrong_check_character_says_typo():
    number = new_tracking_number("ETL", year=2026)
    wrong = next(c for c in CROCKFORD if c != number[-1])
    with pytest.raises(InvalidTrackingNumber, match="typo") as caught:
        parse(number[:-1] + wrong)
    assert caught.value.code == "check"


@pytest.mark.parametrize("prefix", ["E", "TOOLONG", "E1", ""])
def test_bad_prefixes_are_refused(prefix):
    with pytest.raises(ValueError):
        new_tracking_number(prefix)


class _Timeline:
    def public_timeline(self, number, second_factor):
        return [] if second_factor == "B1234XY" else None


def test_registry_routes_a_number_to_its_module(monkeypatch):
    monkeypatch.setattr(tracking, "_REGISTRY", {})
    tracking.register_prefix("TST", f"{__name__}._Timeline", "Test service")
    number = new_tracking_number("TST")
    registration = tracking.registration_for(number)
    assert registration.label == "Test service"
    provider = registration.provider()
    assert isinstance(provider, tracking.PublicTimeline)
    assert provider.public_timeline(parse(number), "B1234XY") == []
    assert provider.public_timeline(parse(number), "wrong") is None
    assert tracking.registration_for(new_tracking_number("ZZZ")) is None
    # Registering the same prefix again for the same module is harmless; for another it is an error.
    tracking.register_prefix("TST", f"{__name__}._Timeline", "Test service")
    with pytest.raises(ValueError, match="already belongs"):
        tracking.register_prefix("TST", "elsewhere.Timeline", "Other")


@pytest.fixture
def cache_table(db):
    call_command("createcachetable", verbosity=0)
    cache.clear()  # counts from earlier tests must not leak in (a Redis cache outlives transactions)


def test_wrong_lookups_are_rate_limited_per_address(cache_table):
    factory = RequestFactory()
    request = factory.get("/lacak/", REMOTE_ADDR="203.0.113.7")
    guard = lookup_guard(request, "test", limit=3, window=600)
    assert not guard.blocked()
    assert [guard.failed() for _ in range(3)] == [False, False, True]
    assert guard.blocked()
    refusal = guard.refusal()
    assert refusal.status_code == 429
    assert int(refusal["Retry-After"]) > 0
    assert "try again" in refusal.content.decode().lower()
    # Another address, and another scope, are not affected.
    other = lookup_guard(factory.get("/lacak/", REMOTE_ADDR="203.0.113.8"), "test", limit=3, window=600)
    assert not other.blocked()
    assert not lookup_guard(request, "other-scope", limit=3, window=600).blocked()


def test_rate_limit_refusal_is_problem_json_for_the_api(cache_table):
    request = RequestFactory().get("/api/v1/lacak/", REMOTE_ADDR="203.0.113.9")
    guard = lookup_guard(request, "api", limit=1, window=600)
    guard.failed()
    assert guard.blocked()
    response = guard.refusal()
    assert response.status_code == 429
    assert response["Content-Type"] == "application/problem+json"

"""SMS length rules: GSM-7 versus UCS-2 segments."""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from bersih.notify import rules as policy
from bersih.notify.channels.sms import check_length, e164, segments


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a" * 160, ("gsm7", 1)),
        ("a" * 161, ("gsm7", 2)),
        ("a" * 306, ("gsm7", 2)),
        ("a" * 307, ("gsm7", 3)),
        ("€" * 80, ("gsm7", 1)),  # extension characters take two septets
        ("€" * 81, ("gsm7", 2)),
        ("é" * 160, ("gsm7", 1)),
        ("ê" * 70, ("ucs2", 1)),  # not in GSM-7
        ("ê" * 71, ("ucs2", 2)),
        ("ê" * 134, ("ucs2", 2)),
        ("ê" * 135, ("ucs2", 3)),
        ("🚓" * 35, ("ucs2", 1)),  # outside the BMP: two UTF-16 units each
        ("🚓" * 36, ("ucs2", 2)),
    ],
)
def test_segments(text, expected):
    assert segments(text) == expected


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789 .,", min_size=1, max_size=1000))
def test_gsm_segments_hold_the_text(text):
    encoding, count = segments(text)
    assert encoding == "gsm7"
    capacity = policy.SMS_GSM7_SINGLE if count == 1 else count * policy.SMS_GSM7_MULTI
    assert len(text) <= capacity
    if count > 1:
        previous = policy.SMS_GSM7_SINGLE if count == 2 else (count - 1) * policy.SMS_GSM7_MULTI
        assert len(text) > previous


def test_length_limit():
    assert check_length("a" * 459) == 3
    with pytest.raises(ValidationError):
        check_length("a" * 460)
    with pytest.raises(ValidationError):
        check_length("")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("081234567890", "+6281234567890"),
        ("0812-3456-7890", "+6281234567890"),
        ("+62 812 3456 7890", "+6281234567890"),
        ("62812345678900"[:13], "+6281234567890"),
        ("(021) 8800000", "+62218800000"),
    ],
)
def test_e164(raw, expected):
    assert e164(raw) == expected


@pytest.mark.parametrize("raw", ["12", "0812", "abc", "+1 555"])
def test_e164_refuses_bad_numbers(raw):
    with pytest.raises(ValidationError):
        e164(raw)

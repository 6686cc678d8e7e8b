"""TNKB plates: normalising what cameras read, flagging O/0 and I/1 confusion, refusing non-plates."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bersih.etle import plates, rules

pytestmark = pytest.mark.usefixtures("english_messages")

regions = st.sampled_from(sorted(rules.REGION_CODES))
numbers = st.integers(min_value=1, max_value=9999)
suffixes = st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ", min_size=0, max_size=3)
separators = st.sampled_from(["", " ", "  ", "-", "."])


@given(regions, numbers, suffixes, separators, separators, st.booleans())
def test_any_valid_plate_reads_back_canonically(region, number, suffix, sep1, sep2, lower):
    text = f"{region}{sep1}{number}{sep2 if suffix else ''}{suffix}"
    if lower:
        text = text.lower()
    plate = plates.parse(text)
    assert (plate.region, plate.number, plate.suffix) == (region, number, suffix)
    assert not plate.ambiguous
    assert plate.known_region
    assert plates.normalise(str(plate)) == str(plate)


@given(st.text(max_size=30))
def test_any_text_is_a_plate_or_a_plate_error(text):
    try:
        plate = plates.parse(text)
    except plates.PlateError as exc:
        assert exc.code in {"empty", "characters", "format"}
    else:
        assert 1 <= plate.number <= 9999
        assert plates.parse(str(plate)).number == plate.number


def test_normalises_case_and_spaces():
    assert plates.normalise("b1234fab") == "B 1234 FAB"
    assert plates.normalise("  B   1234   FAB ") == "B 1234 FAB"
    assert plates.normalise("A 7002") == "A 7002"  # government plates may have no suffix


@pytest.mark.parametrize(
    "read, canonical",
    [("B 12O4 FAB", "B 1204 FAB"), ("B 1234 F0B", "B 1234 FOB"), ("B I234 FAB", "B 1234 FAB")],
)
def test_o_zero_and_i_one_confusion_is_flagged_not_hidden(read, canonical):
    plate = plates.parse(read)
    assert plate.ambiguous
    assert str(plate) == canonical


@pytest.mark.parametrize(
    "text, code",
    [
        ("", "empty"),
        ("   ", "empty"),
        ("<script>", "characters"),
        ("B 1234 FAB; DROP", "characters"),
        ("B 0123 FAB", "format"),  # no leading zero
        ("B 12345 FA", "format"),  # at most four digits
        ("B 1234 FABC", "format"),  # at most three letters
        ("ABC 12 D", "format"),  # at most two region letters
        ("1234", "format"),
        ("X" * 25, "characters"),
    ],
)
def test_not_plates(text, code):
    with pytest.raises(plates.PlateError) as caught:
        plates.parse(text)
    assert caught.value.code == code


def test_region_and_area_and_class_hint():
    plate = plates.parse("B 2345 FXY")
    assert plate.area == "Kabupaten Bekasi"
    assert plate.class_hint == rules.MOTORCYCLE
    assert plates.parse("B 1234 KAB").area == "Kota Bekasi"
    assert plates.parse("B 7123 FA").class_hint == rules.BUS
    assert plates.parse("D 8123 AB").class_hint == rules.GOODS
    assert plates.parse("D 8123 AB").area is None
    assert not plates.parse("QQ 12 AB").known_region

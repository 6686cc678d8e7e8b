from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bersih.core.formatting import rupiah, tanggal


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (0, "Rp0"),
        (500, "Rp500"),
        (1_250_000, "Rp1.250.000"),
        (-5_000, "-Rp5.000"),
        (10**9, "Rp1.000.000.000"),
    ],
)
def test_rupiah(amount, text):
    assert rupiah(amount) == text


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_rupiah_reads_back(amount):
    text = rupiah(amount)
    assert int(text.replace("Rp", "").replace(".", "")) == amount


@pytest.mark.parametrize("amount", [1.5, "1000", True])
def test_rupiah_refuses_non_integers(amount):
    with pytest.raises(TypeError):
        rupiah(amount)


def test_tanggal_in_indonesian_and_english():
    assert tanggal(date(2026, 11, 28)) == "28 November 2026"
    assert tanggal(date(2026, 8, 17)) == "17 Agustus 2026"
    assert tanggal(date(2026, 8, 17), "en") == "17 August 2026"


def test_tanggal_reads_aware_times_in_jakarta():
    # 20:00 UTC on the 31st is already 1 January in Jakarta (UTC+7).
    assert tanggal(datetime(2026, 12, 31, 20, 0, tzinfo=UTC)) == "1 Januari 2027"

"""Survey arithmetic: NRR per element, the IKM with its grade (PermenPANRB 14/2017, exact 1/9 weights),
IPAK and IPKP on the 4-point scale, and the Krejcie-Morgan sample size.

Pure functions; the survey instruments are data (``data/surveys.yaml``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from functools import cache

import yaml

from .lke import DATA_DIR

# Krejcie & Morgan (1970): chi-square for 1 degree of freedom at 95%, population proportion, margin.
KM_CHI_SQUARE = 3.841
KM_PROPORTION = 0.5
KM_MARGIN = 0.05


@dataclass(frozen=True)
class Instrument:
    code: str
    name: str
    regulation: str
    scale_min: int
    scale_max: int
    labels: tuple[str, ...]
    items: tuple[dict, ...]
    grades: tuple[dict, ...] = ()
    rescale_to: int = 4

    @property
    def item_codes(self) -> tuple[str, ...]:
        return tuple(item["code"] for item in self.items)


@cache
def instruments() -> dict[str, Instrument]:
    data = yaml.safe_load((DATA_DIR / "surveys.yaml").read_text(encoding="utf-8"))
    result = {}
    for code, spec in data.items():
        scale = spec["scale"]
        if len(spec["items"]) == 0 or len(scale["labels"]) != scale["max"] - scale["min"] + 1:
            raise ValueError(f"survey {code}: items and a label per scale point are required")
        result[code] = Instrument(
            code=code,
            name=spec["name"],
            regulation=spec["regulation"],
            scale_min=int(scale["min"]),
            scale_max=int(scale["max"]),
            labels=tuple(scale["labels"]),
            items=tuple(spec["items"]),
            grades=tuple(spec.get("grades", ())),
            rescale_to=int(spec.get("rescale_to", 4)),
        )
    return result


def nrr(total: int | Fraction, respondents: int) -> Fraction:
    """Nilai rata-rata (mean score) of one element: sum of the scores over the respondents."""
    if respondents <= 0:
        raise ValueError("no respondents")
    return Fraction(total) / respondents


def ikm(nrrs: list[Fraction]) -> Fraction:
    """IKM = Σ (NRR x 1/9) x 25 over the nine SKM elements (exact thirds, not 0.111)."""
    if len(nrrs) != 9:
        raise ValueError("the IKM takes the NRR of all nine elements")
    return sum((Fraction(value) * Fraction(1, 9) for value in nrrs), Fraction(0)) * 25


def ikm_grade(value: float | Fraction) -> tuple[str, str]:
    """(grade, meaning) for an IKM, per the regulation's table (compared at two decimals)."""
    rounded = round(float(value) + 1e-12, 2)
    for row in instruments()["skm"].grades:
        if rounded >= row["min"]:
            return row["grade"], row["label"]
    raise ValueError(f"an IKM lies between 25 and 100, not {value}")


def index_on_four(instrument: Instrument, mean: float | Fraction) -> Fraction:
    """A mean on the instrument's scale as an index on the LKE's 4-point scale (linear rescaling:
    the scale's minimum stays 1, its maximum becomes 4)."""
    mean = Fraction(mean)
    low, high, target = instrument.scale_min, instrument.scale_max, instrument.rescale_to
    if not low <= mean <= high:
        raise ValueError(f"a mean on the {instrument.code} scale lies between {low} and {high}")
    if high == target and low == 1:
        return mean
    return 1 + (mean - low) * (target - 1) / (high - low)


def krejcie_morgan(population: int) -> int:
    """The sample needed for a population of ``population`` (95% confidence, 5% margin), rounded to the
    nearest whole respondent as the published table is (100 -> 80, 1,000 -> 278, very large -> 384)."""
    if population < 0:
        raise ValueError("a population cannot be negative")
    if population == 0:
        return 0
    chi, p, d = KM_CHI_SQUARE, KM_PROPORTION, KM_MARGIN
    size = chi * population * p * (1 - p) / (d * d * (population - 1) + chi * p * (1 - p))
    return min(population, math.floor(size + 0.5))

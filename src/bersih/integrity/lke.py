"""The LKE (evaluation sheet) as versioned data: loading and checking a data file.

A data file (``data/lke-*.yaml``) carries its regulation, version and source, the components and the six
areas with their sub-areas, points and questions, the answer types, the hasil indicators, the survey
conversion and the WBK/WBBM thresholds. :func:`load_lke` refuses a file whose weights do not add up, whose
thresholds are incomplete or whose questions lack a known answer type, naming the line.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

DATA_DIR = Path(__file__).resolve().parent / "data"
PARTS = ("pemenuhan", "reform")
THRESHOLD_KEYS = ("total", "pengungkit", "area_share")
NUMERIC_KINDS = ("ratio", "decrease")
# Sums of points are compared with this tolerance (the data holds decimals such as 0.25 and 1.5).
EPSILON = 1e-6


class LkeDataError(ValueError):
    """A data file that cannot be used; the message names the file and line."""


@dataclass(frozen=True)
class AnswerType:
    code: str
    label: str
    choices: dict[str, float] = field(default_factory=dict)  # letter -> fraction
    numeric: str = ""  # "ratio" or "decrease" for a pair of numbers


@dataclass(frozen=True)
class Question:
    code: str
    text: str
    answer: AnswerType
    evidence: str = ""
    numbers: tuple[str, ...] = ()  # the labels of a numeric pair
    indicator: str = ""  # a live indicator offered as evidence (integrity.indicators)
    line: int = 0


@dataclass(frozen=True)
class SubArea:
    code: str
    name: str
    points: float
    questions: tuple[Question, ...]
    part: str
    area_code: str


@dataclass(frozen=True)
class Area:
    code: str
    name: str
    name_en: str
    weight: float
    subareas: tuple[SubArea, ...]

    def part(self, name: str) -> tuple[SubArea, ...]:
        return tuple(s for s in self.subareas if s.part == name)


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str
    points: float
    survey: str = ""  # "ipak" / "ipkp": points from the survey index
    answer: AnswerType | None = None  # else answered like a question
    text: str = ""


@dataclass(frozen=True)
class HasilGroup:
    code: str
    name: str
    name_en: str
    points: float
    indicators: tuple[Indicator, ...]


@dataclass(frozen=True)
class Threshold:
    name: str
    total: float
    pengungkit: float
    area_share: float
    minimums: dict[str, float]  # hasil group or indicator code -> minimum points
    prior: str = ""


@dataclass(frozen=True)
class Lke:
    regulation: str
    version: str
    title: str
    source: str
    pengungkit_weight: float
    part_weights: dict[str, float]
    hasil_weight: float
    answer_types: dict[str, AnswerType]
    areas: tuple[Area, ...]
    hasil: tuple[HasilGroup, ...]
    conversion_scale_max: float
    thresholds: dict[str, Threshold]

    @property
    def questions(self) -> tuple[Question, ...]:
        return tuple(q for a in self.areas for s in a.subareas for q in s.questions)

    def question(self, code: str) -> Question:
        for q in self.questions:
            if q.code == code:
                return q
        raise KeyError(code)

    @property
    def answered_indicators(self) -> tuple[Indicator, ...]:
        return tuple(i for g in self.hasil for i in g.indicators if i.answer is not None)


# --- Reading YAML with line numbers --------------------------------------------------------------


class _LineLoader(yaml.SafeLoader):
    """Safe YAML whose mappings remember the line they start on (as ``__line__``)."""

    def construct_mapping(self, node, deep=False):
        mapping = super().construct_mapping(node, deep=deep)
        mapping["__line__"] = node.start_mark.line + 1
        return mapping


class _Reader:
    def __init__(self, name: str):
        self.name = name

    def fail(self, line, message: str):
        raise LkeDataError(f"{self.name}, line {line}: {message}")

    def get(self, mapping: dict, key: str, kind=None, *, required: bool = True, default=None):
        line = mapping.get("__line__", "?")
        if key not in mapping:
            if required:
                self.fail(line, f"'{key}' is missing")
            return default
        value = mapping[key]
        if kind is float:
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                self.fail(line, f"'{key}' must be a number, not {value!r}")
            if value < 0:
                self.fail(line, f"'{key}' cannot be negative")
            return float(value)
        if kind is str and (
            not isinstance(value, str | int | float) or isinstance(value, bool) or not str(value)
        ):
            self.fail(line, f"'{key}' must be text")
        if kind is list and not isinstance(value, list):
            self.fail(line, f"'{key}' must be a list")
        if kind is dict and not isinstance(value, dict):
            self.fail(line, f"'{key}' must be a mapping")
        return str(value) if kind is str else value

    def sums_to(self, line, what: str, parts: list[float], expected: float):
        total = sum(parts)
        if abs(total - expected) > EPSILON:
            self.fail(line, f"the weights of {what} add up to {total:g}, not {expected:g}")


def parse_lke(text: str, name: str = "<data>") -> Lke:
    """Read and check an LKE data file's text; raises LkeDataError naming the line of the first fault."""
    r = _Reader(name)
    try:
        root = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise LkeDataError(f"{name}, line {mark.line + 1 if mark else '?'}: not valid YAML") from exc
    if not isinstance(root, dict):
        raise LkeDataError(f"{name}, line 1: the file must be a mapping")
    answer_types = _answer_types(r, r.get(root, "answer_types", dict))
    components = r.get(root, "components", dict)
    pengungkit = r.get(components, "pengungkit", dict)
    part_weights = {p: r.get(r.get(pengungkit, "parts", dict), p, float) for p in PARTS}
    pengungkit_weight = r.get(pengungkit, "weight", float)
    r.sums_to(pengungkit["__line__"], "pengungkit's parts", list(part_weights.values()), pengungkit_weight)
    hasil_weight = r.get(r.get(components, "hasil", dict), "weight", float)
    seen: set[str] = set()
    areas = tuple(_area(r, item, answer_types, seen) for item in r.get(root, "areas", list))
    if not areas:
        r.fail(root["__line__"], "no areas")
    r.sums_to(root["__line__"], "the areas", [a.weight for a in areas], pengungkit_weight)
    for part in PARTS:
        share = part_weights[part] / pengungkit_weight if pengungkit_weight else 0
        r.sums_to(
            root["__line__"],
            f"the areas' {part}",
            [sum(s.points for s in a.part(part)) for a in areas],
            pengungkit_weight * share,
        )
    hasil = tuple(_hasil_group(r, item, answer_types, seen) for item in r.get(root, "hasil", list))
    r.sums_to(root["__line__"], "hasil", [g.points for g in hasil], hasil_weight)
    conversion = r.get(root, "survey_conversion", dict)
    if r.get(conversion, "method", str) != "linear":
        r.fail(conversion["__line__"], "the only survey conversion known is 'linear'")
    scale_max = r.get(conversion, "scale_max", float)
    if scale_max <= 0:
        r.fail(conversion["__line__"], "'scale_max' must be above 0")
    thresholds_data = r.get(root, "thresholds", dict)
    thresholds = {}
    for key in ("wbk", "wbbm"):
        thresholds[key] = _threshold(r, key, r.get(thresholds_data, key, dict), hasil)
    return Lke(
        regulation=r.get(root, "regulation", str),
        version=r.get(root, "version", str),
        title=r.get(root, "title", str),
        source=r.get(root, "source", str, required=False, default=""),
        pengungkit_weight=pengungkit_weight,
        part_weights=part_weights,
        hasil_weight=hasil_weight,
        answer_types=answer_types,
        areas=areas,
        hasil=hasil,
        conversion_scale_max=scale_max,
        thresholds=thresholds,
    )


def _answer_types(r: _Reader, data: dict) -> dict[str, AnswerType]:
    types = {}
    for code, spec in data.items():
        if code == "__line__":
            continue
        if not isinstance(spec, dict):
            r.fail(data["__line__"], f"answer type {code} must be a mapping")
        line = spec["__line__"]
        numeric = r.get(spec, "numeric", str, required=False, default="")
        choices = r.get(spec, "choices", dict, required=False, default=None)
        if bool(numeric) == bool(choices):
            r.fail(line, f"answer type {code} needs either choices or numeric")
        if numeric and numeric not in NUMERIC_KINDS:
            r.fail(line, f"answer type {code}: numeric must be one of {', '.join(NUMERIC_KINDS)}")
        fractions = {}
        for letter, value in (choices or {}).items():
            if letter == "__line__":
                continue
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
                r.fail(
                    choices["__line__"], f"answer type {code}: choice {letter} must be a fraction from 0 to 1"
                )
            fractions[str(letter)] = float(value)
        types[code] = AnswerType(code, r.get(spec, "label", str), fractions, numeric)
    return types


def _question(r: _Reader, data: dict, answer_types, seen: set[str]) -> Question:
    line = data.get("__line__", "?")
    code = r.get(data, "code", str)
    if code in seen:
        r.fail(line, f"code {code} appears twice")
    seen.add(code)
    answer_code = r.get(data, "answer", str, required=False, default="")
    if not answer_code:
        r.fail(line, f"question {code} has no answer type")
    if answer_code not in answer_types:
        r.fail(line, f"question {code}: unknown answer type {answer_code}")
    answer = answer_types[answer_code]
    numbers = tuple(str(n) for n in data.get("numbers", []) or [])
    if answer.numeric and len(numbers) != 2:
        r.fail(line, f"question {code}: a numeric answer names its two numbers ('numbers')")
    return Question(
        code=code,
        text=r.get(data, "text", str),
        answer=answer,
        evidence=str(data.get("evidence", "") or ""),
        numbers=numbers,
        indicator=str(data.get("indicator", "") or ""),
        line=line,
    )


def _area(r: _Reader, data: dict, answer_types, seen: set[str]) -> Area:
    code = r.get(data, "code", str)
    weight = r.get(data, "weight", float)
    subareas = []
    for part in PARTS:
        items = r.get(data, part, list)
        for item in items:
            sub_code = r.get(item, "code", str)
            questions = tuple(_question(r, q, answer_types, seen) for q in r.get(item, "questions", list))
            if not questions:
                r.fail(item["__line__"], f"sub-area {sub_code} has no questions")
            subareas.append(
                SubArea(
                    sub_code, r.get(item, "name", str), r.get(item, "points", float), questions, part, code
                )
            )
        part_points = [s.points for s in subareas if s.part == part]
        r.sums_to(data["__line__"], f"area {code}'s {part}", part_points, weight / 2)
    return Area(code, r.get(data, "name", str), str(data.get("name_en", "")), weight, tuple(subareas))


def _hasil_group(r: _Reader, data: dict, answer_types, seen: set[str]) -> HasilGroup:
    code = r.get(data, "code", str)
    indicators = []
    for item in r.get(data, "indicators", list):
        ind_code = r.get(item, "code", str)
        if ind_code in seen:
            r.fail(item["__line__"], f"code {ind_code} appears twice")
        seen.add(ind_code)
        survey = str(item.get("survey", "") or "")
        answer_code = str(item.get("answer", "") or "")
        if bool(survey) == bool(answer_code):
            r.fail(item["__line__"], f"indicator {ind_code} needs either a survey or an answer type")
        if answer_code and answer_code not in answer_types:
            r.fail(item["__line__"], f"indicator {ind_code}: unknown answer type {answer_code}")
        indicators.append(
            Indicator(
                ind_code,
                r.get(item, "name", str),
                r.get(item, "points", float),
                survey,
                answer_types.get(answer_code) if answer_code else None,
                str(item.get("text", "") or ""),
            )
        )
    points = r.get(data, "points", float)
    r.sums_to(data["__line__"], f"hasil group {code}", [i.points for i in indicators], points)
    return HasilGroup(code, r.get(data, "name", str), str(data.get("name_en", "")), points, tuple(indicators))


def _threshold(r: _Reader, name: str, data: dict, hasil) -> Threshold:
    values = {key: r.get(data, key, float) for key in THRESHOLD_KEYS}
    if not 0 < values["area_share"] <= 1:
        r.fail(data["__line__"], f"{name}: area_share is a fraction from 0 to 1")
    # Every hasil group needs its minimum; an indicator may have one too (IPAK, capaian kinerja).
    groups = {g.code for g in hasil}
    codes = groups | {i.code for g in hasil for i in g.indicators}
    minimums = {}
    for code in sorted(codes):
        if code in groups or code in data:
            minimums[code] = r.get(data, code, float)
    unknown = set(data) - set(THRESHOLD_KEYS) - codes - {"__line__", "prior"}
    if unknown:
        r.fail(data["__line__"], f"{name}: unknown thresholds {', '.join(sorted(unknown))}")
    return Threshold(
        name,
        values["total"],
        values["pengungkit"],
        values["area_share"],
        minimums,
        str(data.get("prior", "") or ""),
    )


def load_lke(path: Path | str) -> Lke:
    path = Path(path)
    return parse_lke(path.read_text(encoding="utf-8"), path.name)


@cache
def lke_version(version: str) -> Lke:
    """The LKE of a version, from the data files (an assessment keeps the version it was made with)."""
    for path in sorted(DATA_DIR.glob("lke-*.yaml")):
        lke = load_lke(path)
        if lke.version == version:
            return lke
    raise LookupError(f"no LKE data file has version {version}")

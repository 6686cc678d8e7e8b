"""The scoring engine: answers and survey indices in, points per question, sub-area, area and component,
the total, and the verdict against WBK and WBBM with every failed condition named, plus the gap list.

Pure functions over an :class:`~bersih.integrity.lke.Lke`; the database is not touched, so the same
engine scores a self-assessment, each reviewer's answers and a "what if" in the gap list.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from .lke import EPSILON, PARTS, AnswerType, Indicator, Lke, Question

Answer = str | tuple[float, float] | None  # a letter, a pair of numbers, or not answered


class AnswerError(ValueError):
    """An answer that does not fit its question's type."""


def answer_fraction(answer_type: AnswerType, value: Answer) -> float:
    """The fraction (0 to 1) an answer earns; unanswered earns 0. Raises AnswerError on a wrong type."""
    if value is None or value == "":
        return 0.0
    if answer_type.choices:
        if not isinstance(value, str) or value.strip().upper() not in answer_type.choices:
            allowed = "/".join(answer_type.choices)
            raise AnswerError(_("Answer %(allowed)s, not %(value)s.") % {"allowed": allowed, "value": value})
        return answer_type.choices[value.strip().upper()]
    try:
        first, second = (float(v) for v in value)  # type: ignore[union-attr]
    except (TypeError, ValueError) as exc:
        raise AnswerError(_("This question takes two numbers.")) from exc
    if first < 0 or second < 0 or first != first or second != second:
        raise AnswerError(_("The numbers cannot be negative."))
    if answer_type.numeric == "ratio":  # part of a whole
        if first > second:
            raise AnswerError(_("The part cannot be larger than the whole."))
        return first / second if second else 1.0  # nothing was due: nothing was missed
    # decrease: (before - after) / before
    if first == 0:
        return 1.0 if second == 0 else 0.0
    return max(0.0, (first - second) / first)


def survey_points(index: float | None, indicator: Indicator, scale_max: float) -> float:
    """A survey index (1 to ``scale_max``) as points: linear, (index / scale_max) x the indicator's points."""
    if index is None:
        return 0.0
    if not 0 <= index <= scale_max:
        raise AnswerError(_("A survey index lies between 1 and %(max)s.") % {"max": f"{scale_max:g}"})
    return index / scale_max * indicator.points


@dataclass(frozen=True)
class QuestionScore:
    question: Question
    fraction: float
    points: float  # earned
    available: float  # the question's share of its sub-area's points


@dataclass(frozen=True)
class SubAreaScore:
    code: str
    name: str
    part: str
    points: float
    earned: float
    questions: tuple[QuestionScore, ...]


@dataclass(frozen=True)
class AreaScore:
    code: str
    name: str
    weight: float
    pemenuhan: float
    reform: float
    subareas: tuple[SubAreaScore, ...]

    @property
    def total(self) -> float:
        return self.pemenuhan + self.reform

    @property
    def share(self) -> float:
        return self.total / self.weight if self.weight else 0.0

    @property
    def percent(self) -> int:
        return round(self.share * 100)


@dataclass(frozen=True)
class Verdict:
    predicate: str
    passed: bool
    failures: tuple[str, ...]


@dataclass(frozen=True)
class Gap:
    question: Question
    area: str
    gain: float  # points the question would add if fully met


@dataclass
class Score:
    lke: Lke
    areas: tuple[AreaScore, ...]
    hasil: dict[str, float]  # hasil group and indicator code -> points
    pengungkit: float
    total: float
    verdicts: dict[str, Verdict] = field(default_factory=dict)
    gaps: tuple[Gap, ...] = ()

    @property
    def hasil_total(self) -> float:
        return sum(self.hasil[g.code] for g in self.lke.hasil)

    def area(self, code: str) -> AreaScore:
        return next(a for a in self.areas if a.code == code)


def _score_subareas(lke: Lke, answers: dict[str, Answer]) -> tuple[AreaScore, ...]:
    areas = []
    for area in lke.areas:
        part_totals = dict.fromkeys(PARTS, 0.0)
        scored = []
        for sub in area.subareas:
            each = sub.points / len(sub.questions)  # every question of a sub-area weighs the same
            questions = []
            for q in sub.questions:
                try:
                    fraction = answer_fraction(q.answer, answers.get(q.code))
                except AnswerError as exc:
                    raise AnswerError(f"{q.code}: {exc}") from exc
                questions.append(QuestionScore(q, fraction, each * fraction, each))
            earned = sum(qs.points for qs in questions)
            part_totals[sub.part] += earned
            scored.append(SubAreaScore(sub.code, sub.name, sub.part, sub.points, earned, tuple(questions)))
        areas.append(
            AreaScore(
                area.code,
                area.name,
                area.weight,
                part_totals["pemenuhan"],
                part_totals["reform"],
                tuple(scored),
            )
        )
    return tuple(areas)


def _score_hasil(lke: Lke, answers: dict[str, Answer], surveys: dict[str, float | None]) -> dict[str, float]:
    points = {}
    for group in lke.hasil:
        total = 0.0
        for indicator in group.indicators:
            if indicator.survey:
                value = survey_points(surveys.get(indicator.survey), indicator, lke.conversion_scale_max)
            else:
                try:
                    value = answer_fraction(indicator.answer, answers.get(indicator.code)) * indicator.points
                except AnswerError as exc:
                    raise AnswerError(f"{indicator.code}: {exc}") from exc
            points[indicator.code] = value
            total += value
        points[group.code] = total
    return points


def _fmt(value: float) -> str:
    return str(Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _verdict(score: Score, name: str, prior_status: str) -> Verdict:
    """Every condition of the predicate, each failure named with the figure and the bar."""
    lke, threshold = score.lke, score.lke.thresholds[name]
    failures = []
    below = lambda value, bar: value + EPSILON < bar  # noqa: E731 - a comparison with the data's tolerance
    if below(score.total, threshold.total):
        failures.append(
            _("Total %(value)s of 100 — below %(bar)s")
            % {"value": _fmt(score.total), "bar": _fmt(threshold.total)}
        )
    if below(score.pengungkit, threshold.pengungkit):
        failures.append(
            _("Pengungkit %(value)s of %(weight)s — below %(bar)s")
            % {
                "value": _fmt(score.pengungkit),
                "weight": _fmt(lke.pengungkit_weight),
                "bar": _fmt(threshold.pengungkit),
            }
        )
    for area in score.areas:
        if below(area.total, area.weight * threshold.area_share):
            failures.append(
                _("%(area)s %(value)s of %(weight)s — below %(share)s%%")
                % {
                    "area": area.name,
                    "value": f"{area.total:.2f}".rstrip("0").rstrip(".") if area.total else "0",
                    "weight": f"{area.weight:g}",
                    "share": f"{threshold.area_share * 100:g}",
                }
            )
    names = {g.code: g.name for g in lke.hasil} | {i.code: i.name for g in lke.hasil for i in g.indicators}
    for code, bar in threshold.minimums.items():
        if below(score.hasil.get(code, 0.0), bar):
            failures.append(
                _("%(name)s %(value)s — below %(bar)s")
                % {"name": names[code], "value": _fmt(score.hasil.get(code, 0.0)), "bar": _fmt(bar)}
            )
    if threshold.prior and prior_status != threshold.prior:
        failures.append(_("Requires the %(prior)s predicate first") % {"prior": threshold.prior.upper()})
    return Verdict(name, not failures, tuple(failures))


def _gaps(areas: tuple[AreaScore, ...]) -> tuple[Gap, ...]:
    gaps = [
        Gap(qs.question, area.name, qs.available - qs.points)
        for area in areas
        for sub in area.subareas
        for qs in sub.questions
        if qs.available - qs.points > EPSILON
    ]
    return tuple(sorted(gaps, key=lambda g: (-g.gain, g.question.code)))


def score(
    lke: Lke,
    answers: dict[str, Answer],
    surveys: dict[str, float | None] | None = None,
    *,
    prior_status: str = "",
) -> Score:
    """Score one set of answers (question and indicator code -> answer) with the survey indices
    (``{"ipak": 3.62, "ipkp": 3.41}`` on the 4-point scale). ``prior_status`` is the predicate the unit
    already holds ("wbk" before a WBBM evaluation). Raises AnswerError, naming the question, on an
    answer of the wrong type."""
    areas = _score_subareas(lke, answers)
    hasil = _score_hasil(lke, answers, surveys or {})
    pengungkit = sum(a.total for a in areas)
    result = Score(lke, areas, hasil, pengungkit, pengungkit + sum(hasil[g.code] for g in lke.hasil))
    result.verdicts = {name: _verdict(result, name, prior_status) for name in lke.thresholds}
    result.gaps = _gaps(areas)
    return result

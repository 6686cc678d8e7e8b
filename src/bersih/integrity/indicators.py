"""Evidence from the system itself: figures computed from live data, each offered as the answer to an
LKE question (``indicator:`` in the data file) with a link to the records behind it.

The figures come from the other modules' selectors (the leadership monitoring view for Sipmas, the SIM
queue and ETLE; the survey selectors; the ledger's checkpoints), never from copied state. A figure
becomes a letter by ``rules.SHARE_BANDS``/``COUNT_BANDS``/``CHANNEL_BANDS`` (the unit's policy); numeric
questions get the pair itself. The coordinator accepts or overrides an offered value with a reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from . import rules


@dataclass(frozen=True)
class Offered:
    code: str
    value: object  # a letter, or [part, whole]
    figure: str  # what was measured, for people
    link: str  # the records behind it


def _band(value: float | None, bands, *, fallback: str = "E") -> str:
    if value is None:
        return fallback
    return next((letter for minimum, letter in bands if value >= minimum), fallback)


def _fit(letter: str, answer_type) -> str:
    """A letter of the A-E scale on a shorter scale (A-D, A-C, Y/T): the nearest not above it."""
    choices = answer_type.choices
    if letter in choices:
        return letter
    order = "ABCDE"
    if "Y" in choices:
        return "Y" if letter in "AB" else "T"
    candidates = [c for c in order if c in choices]
    return next((c for c in candidates if order.index(c) >= order.index(letter)), candidates[-1])


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def figures(user, *, start: date, end: date, now: datetime | None = None) -> dict[str, Offered]:
    """Every indicator for the period, in ``user``'s scope: code -> Offered (letters on the A-E scale)."""
    from bersih.ledger.models import Checkpoint
    from bersih.services.monitoring_selectors import cases, overview

    from .selectors import survey_overview

    now = now or timezone.now()
    view = overview(user, start=start, end=end, now=now)
    follow = view["follow_up"]
    totals = view["totals"]
    monitor = reverse("services:monitor") + f"?start={start.isoformat()}&end={end.isoformat()}"
    channels = set(
        cases(user, start, end).filter(service="dumas").values_list("channel", flat=True).distinct()
    )
    sensitive = cases(user, start, end).filter(category__in=("pungli", "misconduct"))
    reports = sensitive.aggregate(n=Count("id"), done=Count("id", filter=~_open_q()))
    innovations = {
        "ETLE": next((r["volume"] for r in view["rows"] if r["module"] == "etle"), 0),
        "SIM FIFO": next((r["volume"] for r in view["rows"] if r["module"] == "sim"), 0),
        "Sipmas": sum(r["volume"] for r in view["rows"] if r["module"] == "sipmas"),
        "e-berkas": 0,  # paperless case files: counted once the justice module exchanges them
    }
    in_use = [name for name, volume in innovations.items() if volume]
    surveys = survey_overview(units=None, since=start, until=end)
    sampled = [row for row in surveys["rows"] if row["sample_needed"]]
    met = [row for row in sampled if row["skm"].respondents >= row["sample_needed"]]
    checkpoint = Checkpoint.objects.order_by("-created_at").first()
    fresh = checkpoint is not None and checkpoint.created_at >= now - timedelta(
        days=rules.CHECKPOINT_FRESH_DAYS
    )
    return {
        "complaints_handled": Offered(
            "complaints_handled",
            [follow["followed_up"], follow["received"]],
            _("%(done)s of %(received)s complaints followed up")
            % {"done": follow["followed_up"], "received": follow["received"]},
            monitor,
        ),
        "complaint_follow_up": Offered(
            "complaint_follow_up",
            _band(follow["on_time_rate"], rules.SHARE_BANDS),
            _("%(share)s of complaints followed up within the SP4N deadlines")
            % {"share": _percent(follow["on_time_rate"])},
            monitor,
        ),
        "complaint_channels": Offered(
            "complaint_channels",
            _band(len(channels), rules.CHANNEL_BANDS),
            _("complaints arrived through %(n)s channels: %(list)s")
            % {"n": len(channels), "list": ", ".join(sorted(channels)) or "—"},
            reverse("services:cases") + "?service=dumas",
        ),
        "sla_compliance": Offered(
            "sla_compliance",
            _band(totals.get("compliance"), rules.SHARE_BANDS),
            _("%(share)s of services within their published time")
            % {"share": _percent(totals.get("compliance"))},
            monitor,
        ),
        "service_standards": Offered(
            "service_standards",
            "A",
            _("every service's standard is published, with a printable poster"),
            reverse("services:catalogue"),
        ),
        "wbs_present": Offered(
            "wbs_present",
            "A",
            _("pungli and misconduct reports go only to Siwas and Propam, anonymous if wished"),
            reverse("services:complaint-form"),
        ),
        "wbs_used": Offered(
            "wbs_used",
            "A" if reports["n"] and reports["done"] == reports["n"] else ("B" if reports["n"] else "C"),
            _("%(n)s pungli and misconduct reports, %(done)s finished") % reports,
            reverse("services:cases") + "?category=pungli",
        ),
        "survey_participation": Offered(
            "survey_participation",
            _band(len(met) / len(sampled) if sampled else None, rules.SHARE_BANDS),
            _("the survey sample is met for %(met)s of %(n)s services")
            % {"met": len(met), "n": len(sampled)},
            reverse("integrity:surveys"),
        ),
        "survey_published": Offered(
            "survey_published", "A", _("the IKM per service is public"), reverse("integrity:ikm")
        ),
        "innovations_in_use": Offered(
            "innovations_in_use",
            _band(len(in_use), rules.COUNT_BANDS),
            _("in use: %(list)s") % {"list": ", ".join(f"{n} ({innovations[n]})" for n in in_use) or "—"},
            monitor,
        ),
        "ledger_integrity": Offered(
            "ledger_integrity",
            "A" if fresh else "C",
            _("latest signed ledger checkpoint: %(when)s")
            % {"when": timezone.localtime(checkpoint.created_at).strftime("%d-%m-%Y") if checkpoint else "—"},
            reverse("ledger:entries"),
        ),
    }


def _open_q():
    from django.db.models import Q

    return Q(closed_at__isnull=True)


def offered_for(questions, offered: dict[str, Offered]) -> dict[str, Offered]:
    """question code -> the indicator's value in the question's own answer type."""
    result = {}
    for question in questions:
        item = offered.get(question.indicator)
        if item is None:
            continue
        if question.answer.numeric:
            if isinstance(item.value, list):
                result[question.code] = item
        elif isinstance(item.value, str):
            result[question.code] = Offered(
                item.code, _fit(item.value, question.answer), item.figure, item.link
            )
    return result

"""Integrity demo: a year of citizen surveys across the services (improving month by month), last
year's assessment that failed WBK with its conditions named, this year's improving one in the TPI
review, and a survey link from a finished SKTLK request for the walkthrough
(``var/demo-survey-link.txt``)."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from django.utils import timezone

RESPONDENTS = 1200
# Which unit each service's survey rates (the unit that serves it).
SERVICE_UNITS = {
    "skck": "bks-intelkam",
    "sktlk": "bks-spkt",
    "lp": "bks-spkt",
    "keramaian": "bks-intelkam",
    "dumas": "bks-siwas",
    "sim": "bks-satpas",
    "etle": "bks-satlantas",
}


def _scores(rng: random.Random, low: int, high: int, n: int, lift: float) -> list[int]:
    """``n`` scores on the scale, better as ``lift`` grows from 0 to 1."""
    span = high - low
    return [
        max(low, min(high, round(low + span * (0.45 + 0.35 * lift) + rng.gauss(0, 0.8)))) for _ in range(n)
    ]


def _seed_surveys(world, now: datetime) -> int:
    from .indices import instruments
    from .services import survey_submit

    rng = random.Random(world.seed + 7)
    specs = instruments()
    suggestions = [
        "Ruang tunggu perlu kipas angin",
        "Petugas ramah, terima kasih",
        "Informasi persyaratan di papan kurang jelas",
        "Antrean SIM sekarang tertib",
        "Mohon tambah loket di jam sibuk",
    ]
    count = 0
    for n in range(RESPONDENTS):
        months_ago = rng.randrange(12)
        when = now - timedelta(days=30 * months_ago + rng.randrange(28), hours=rng.randrange(8))
        lift = 1 - months_ago / 11  # later months score better: the reforms show
        service = rng.choice(list(SERVICE_UNITS))
        unit = world.units.get(SERVICE_UNITS[service])
        if unit is None:
            continue
        answers = {"skm": dict(zip(specs["skm"].item_codes, _scores(rng, 1, 4, 9, lift), strict=True))}
        if n % 2 == 0:
            answers["ipak"] = dict(
                zip(specs["ipak"].item_codes, _scores(rng, 1, 6, 8, lift + 0.2), strict=True)
            )
            answers["ipkp"] = dict(
                zip(specs["ipkp"].item_codes, _scores(rng, 1, 4, 6, lift + 0.1), strict=True)
            )
        suggestion = rng.choice(suggestions) if n % 9 == 0 else ""
        survey_submit(
            answers=answers, channel="walk_in", service=service, unit=unit, suggestion=suggestion, now=when
        )
        count += 1
    return count


def _answer_all(lke, rng: random.Random, level: float) -> dict:
    """Answers for every question around ``level`` (0 to 1): the best choice that level reaches."""
    answers = {}
    for question in lke.questions:
        if question.answer.numeric == "ratio":
            whole = rng.randrange(20, 200)
            answers[question.code] = (round(whole * min(1, max(0, level + rng.uniform(-0.15, 0.1)))), whole)
        elif question.answer.numeric == "decrease":
            before = rng.randrange(4, 20)
            answers[question.code] = (before, round(before * (1 - level) + rng.randrange(0, 2)))
        else:
            choices = sorted(question.answer.choices.items(), key=lambda item: -item[1])
            wanted = level + rng.uniform(-0.25, 0.15)
            answers[question.code] = next((k for k, v in choices if v <= wanted), choices[-1][0])
    return answers


def _seed_assessments(world, now: datetime) -> list:
    from . import services
    from .lke import lke_version
    from .rules import CURRENT_LKE_VERSION

    polres, coordinator, tpi = (
        world.units.get("bks"),
        world.users.get("kasat-lantas"),
        world.users.get("siwas"),
    )
    head = world.users.get("kapolres")
    if polres is None or coordinator is None or tpi is None or head is None:
        return []
    lke = lke_version(CURRENT_LKE_VERSION)
    rng = random.Random(world.seed + 11)
    this_year = timezone.localdate(now).year
    made = []
    for year, level, rounds in ((this_year - 1, 0.55, 4), (this_year, 0.8, 1)):
        started = now.replace(year=year, month=2, day=1) if year < this_year else now - timedelta(days=45)
        assessment = services.assessment_create(
            actor=coordinator,
            unit=polres,
            title=f"Zona Integritas Polres Metro Bekasi {year}",
            period_start=date(year, 1, 1),
            period_end=date(year, 12, 31),
            now=started,
        )
        for area, username in (("PW", "dumas"), ("PP", "spkt")):  # coordinators of two areas
            if world.users.get(username) is not None:
                services.coordinator_assign(
                    actor=coordinator,
                    assessment=assessment,
                    area=area,
                    user=world.users[username],
                    now=started,
                )
        for code, value in _answer_all(lke, rng, level).items():
            services.assessment_answer(
                actor=coordinator, assessment=assessment, question=code, value=value, now=started
            )
        services.assessment_answer(
            actor=coordinator,
            assessment=assessment,
            question="CK",
            value="B" if level > 0.7 else "C",
            now=started,
        )
        services.assessment_surveys_refresh(actor=coordinator, assessment=assessment, now=started)
        for step in range(rounds):
            actor = (coordinator, tpi, coordinator, head)[step]
            assessment = services.assessment_advance(
                actor=actor, assessment=assessment, now=started + timedelta(days=7 * (step + 1))
            )
            if assessment.round == "tpi":
                # The TPI marks down what lacks evidence.
                for code in rng.sample([q.code for q in lke.questions if q.answer.choices], 6):
                    choices = sorted(
                        lke.question(code).answer.choices, key=lambda k: -lke.question(code).answer.choices[k]
                    )
                    services.assessment_answer(
                        actor=tpi,
                        assessment=assessment,
                        question=code,
                        value=choices[-2],
                        comment="Bukti belum lengkap",
                        now=started + timedelta(days=8),
                    )
        made.append(assessment)
    return made


def _seed_survey_link(world, now: datetime) -> str:
    """A finished SKTLK request whose survey invitation the walkthrough opens on a phone."""
    from django.conf import settings

    from bersih.notify.models import Message
    from bersih.services import services as sipmas

    officer = world.users.get("spkt")
    polres = world.units.get("bks")
    if officer is None or polres is None:
        return ""
    case = sipmas.case_submit(
        service="sktlk",
        unit=polres,
        title="Kehilangan dompet dan KTP",
        description="Hilang di Stasiun Bekasi",
        requester={
            "full_name": "Rina Marlina",
            "nik": "3275014107900002",
            "email": "rina.marlina@example.id",
        },
        channel="counter",
        now=now - timedelta(minutes=20),
    ).case
    sipmas.case_transition(actor=officer, case=case, status="issued", now=now - timedelta(minutes=10))
    message = Message.objects.filter(template="services.survey_invitation", subject_id=str(case.pk)).first()
    url = message.context.get("survey_url", "") if message else ""
    path = settings.VAR_DIR / "demo-survey-link.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f"# the survey invitation of {case.tracking_number} (demo only; works once)\n{url}\n",
        encoding="utf-8",
    )
    return url


def seed(world) -> None:
    now = timezone.now()
    respondents = _seed_surveys(world, now)
    assessments = _seed_assessments(world, now)
    link = _seed_survey_link(world, now)
    world.log(
        f"integrity: {respondents} survey respondents, {len(assessments)} assessments; survey link: {link}"
    )

"""The demo's Sipmas history: filed and handled through the services in time order, deterministic per
seed, with every kind of case the pages need, the walkthrough's cases and a ledger that verifies."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction

from bersih.ledger.verify import verify_ledger
from bersih.notify.models import Message
from bersih.services import demo
from bersih.services.models import Case, CaseEvent, SurveyInvitation
from bersih.services.services import case_open_by_secret

pytestmark = [pytest.mark.django_db]
WIB = ZoneInfo("Asia/Jakarta")
NOW = datetime(2026, 11, 27, 14, 0, tzinfo=WIB)
WEEKS = 6


def _world(seed: int):
    from bersih.core import demo as core_demo

    world = core_demo.new_world(seed, log=lambda *_: None)
    core_demo.seed(world)
    return world


@pytest.fixture
def seeded(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    world = _world(7)
    demo.seed(world, now=NOW, weeks=WEEKS)
    return world


def _signature():
    """What the seed decides (tracking numbers and secrets are random by design)."""
    return [
        (c.service, c.category, c.privacy, c.channel, c.status, c.title, c.submitted_at, c.escalation_level)
        for c in Case.objects.order_by("submitted_at", "service", "title")
    ]


def test_the_history_has_every_kind_of_case(seeded):
    cases = Case.objects.all()
    assert cases.count() > 80
    assert set(cases.values_list("service", flat=True)) == {"sktlk", "skck", "lp", "keramaian", "dumas"}
    # Every case lies in the past, within the weeks asked for.
    assert not cases.filter(submitted_at__gt=NOW).exists()
    assert not CaseEvent.objects.filter(at__gt=NOW).exists()
    complaints = cases.filter(service="dumas")
    assert complaints.filter(privacy="anonim", requester__isnull=True).exists()
    assert complaints.filter(privacy="rahasia").exists()
    pungli = complaints.filter(category="pungli")
    assert pungli.exists() and set(pungli.values_list("unit__code", flat=True)) <= {"bks-siwas", "bks-propam"}
    misconduct = complaints.filter(category="misconduct")
    assert set(misconduct.values_list("unit__code", flat=True)) <= {"bks-siwas", "bks-propam"}
    # Breached and escalated by the sweep, and handled late afterwards.
    assert CaseEvent.objects.filter(kind=CaseEvent.ESCALATED).count() >= 5
    assert cases.filter(escalation_level=2, closed_at__isnull=True).exists()
    # Every ending and some still open.
    statuses = set(cases.values_list("status", flat=True))
    assert {"issued", "closed", "answered", "in_progress", "progress"} <= statuses
    assert cases.filter(closed_at__isnull=True).exists() and cases.filter(closed_at__isnull=False).exists()
    # Handling left public and internal notes, citizens' replies and survey invitations.
    notes = CaseEvent.objects.filter(kind=CaseEvent.NOTE)
    assert notes.filter(public=True).exists() and notes.filter(public=False).exists()
    assert CaseEvent.objects.filter(kind=CaseEvent.REPLY).exists()
    assert SurveyInvitation.objects.exists()
    # Complaints were routed beyond Siwas, never to the unit complained about.
    assert complaints.exclude(unit__code__in=["bks-siwas", "bks-propam"]).exists()
    for case in complaints.exclude(complained_unit=None).select_related("unit", "complained_unit"):
        assert not case.unit.path.startswith(case.complained_unit.path)


def test_the_history_messages_went_out_in_the_past_and_only_the_last_day_waits(seeded):
    about_cases = Message.objects.filter(template__startswith="services.")
    sent = about_cases.filter(status="sent")
    assert sent.count() > 50
    assert sent.order_by("created_at").first().created_at < NOW.replace(month=11, day=1)
    queued = about_cases.filter(status="queued")
    assert queued.count() < sent.count() // 5


def test_the_walkthrough_cases_are_listed_with_their_secrets(seeded, settings):
    lines = [
        line.split()
        for line in (settings.VAR_DIR / demo.CASE_LIST).read_text().splitlines()
        if not line.startswith("#")
    ]
    cases = {label: (number, secret, status) for label, number, secret, status in lines}
    assert set(cases) == {
        "pungli-anonim",
        "sktlk-siap-terbit",
        "propam-rahasia",
        "dijawab-menunggu-balasan",
        "skck-terlambat",
    }
    for number, secret, status in cases.values():
        case = case_open_by_secret(number, secret)
        assert case is not None and case.status == status
    pungli = Case.objects.get(tracking_number=cases["pungli-anonim"][0])
    assert pungli.privacy == "anonim" and pungli.category == "pungli" and pungli.unit.code == "bks-siwas"
    assert cases["sktlk-siap-terbit"][2] == "verified"
    assert cases["propam-rahasia"][2] == "in_progress"
    assert cases["dijawab-menunggu-balasan"][2] == "answered"
    late = Case.objects.get(tracking_number=cases["skck-terlambat"][0])
    assert late.escalation_level == 2 and late.closed_at is None


def test_the_ledger_verifies_after_the_demo(seeded):
    assert verify_ledger().ok


def test_the_history_is_the_same_for_the_same_seed(settings, tmp_path):
    settings.VAR_DIR = tmp_path

    class Undo(Exception):
        pass

    runs = []
    for seed in (7, 7, 8):
        try:
            with transaction.atomic():
                demo.seed(_world(seed), now=NOW, weeks=2)
                runs.append(_signature())
                raise Undo
        except Undo:
            pass
    assert runs[0] and runs[0] == runs[1]
    assert runs[0] != runs[2]


def test_only_the_waiting_messages_keep_a_delivery_task(
    settings, tmp_path, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    settings.VAR_DIR = tmp_path
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    world = _world(7)
    with django_capture_on_commit_callbacks(execute=True):
        demo.seed(world, now=NOW, weeks=2)
    waiting = set(Message.objects.filter(status="queued").values_list("id", flat=True))
    tasks = [
        t.args_kwargs["kwargs"]["message_id"]
        for t in DBTaskResult.objects.filter(task_path="bersih.notify.tasks.deliver_message")
    ]
    assert waiting and set(tasks) == waiting
    assert Message.objects.filter(status="sent").count() > len(tasks)

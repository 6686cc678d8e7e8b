"""The sweep scheduler: due-ness, the single-run claim, failures, and `bersih worker --once`."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from bersih.core import schedule
from bersih.notify.models import SweepRun

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry(monkeypatch):
    """A registry holding only the sweeps a test registers."""
    monkeypatch.setattr(schedule, "_SWEEPS", {})
    monkeypatch.setattr(schedule, "_discovered", True)
    return schedule


def test_sweep_runs_once_per_interval(registry):
    calls = []
    registry.register_sweep("test.tick", timedelta(minutes=10), lambda now: calls.append(now) or "ticked")
    start = timezone.now()
    assert registry.run_due_sweeps(start) == {"test.tick": "ticked"}
    assert registry.run_due_sweeps(start + timedelta(minutes=5)) == {}
    assert registry.run_due_sweeps(start + timedelta(minutes=10)) == {"test.tick": "ticked"}
    assert len(calls) == 2
    run = SweepRun.objects.get(name="test.tick")
    assert run.runs == 2 and run.last_ok and run.running_until is None and run.last_result == "ticked"


def test_a_sweep_is_never_run_twice_at_once(registry):
    sweep = schedule.Sweep("test.long", timedelta(seconds=1), lambda now: "done")
    now = timezone.now()
    assert schedule.claim_sweep(sweep, now) is True
    # Another worker, even after the interval, finds it running.
    assert schedule.claim_sweep(sweep, now + timedelta(minutes=1)) is False
    # A worker that died holding it loses it when the lease ends.
    assert schedule.claim_sweep(sweep, now + schedule.SWEEP_LEASE + timedelta(seconds=1)) is True


def test_a_failing_sweep_is_recorded_and_others_still_run(registry):
    def broken(now):
        raise RuntimeError("provider down")

    registry.register_sweep("test.a_broken", timedelta(minutes=1), broken)
    registry.register_sweep("test.b_fine", timedelta(minutes=1), lambda now: {"ok": 1})
    ran = registry.run_due_sweeps()
    assert "RuntimeError: provider down" in ran["test.a_broken"] and ran["test.b_fine"] == "{'ok': 1}"
    broken_run = SweepRun.objects.get(name="test.a_broken")
    assert broken_run.last_ok is False and broken_run.running_until is None


def test_registration_is_checked(registry):
    with pytest.raises(ValueError):
        registry.register_sweep("nodot", timedelta(minutes=1), lambda now: None)
    with pytest.raises(ValueError):
        registry.register_sweep("test.zero", timedelta(0), lambda now: None)


def test_modules_sweeps_are_discovered(monkeypatch):
    monkeypatch.setattr(schedule, "_discovered", False)
    names = set(schedule.registered_sweeps())
    assert {"notify.deliver_due", "notify.post_batches"} <= names


@pytest.fixture
def worker_in_test_transaction(monkeypatch):
    """The task worker closes stale connections between tasks; inside the test's transaction (which
    keeps the test database clean) that would end the connection on PostgreSQL, so it is a no-op here."""
    monkeypatch.setattr("django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None)
    monkeypatch.setattr("bersih.core.management.commands.worker.close_old_connections", lambda: None)


@pytest.mark.usefixtures("worker_in_test_transaction")
def test_worker_once_runs_due_sweeps_and_ready_tasks(org, settings, tmp_path):
    from django.db import transaction

    from bersih.ledger.models import Entry
    from bersih.notify.models import Message
    from bersih.notify.services import message_queue

    settings.NOTIFY_DEV_SINK, settings.NOTIFY_SINK_DIR, settings.SMS_GATEWAY_URL = True, tmp_path, ""
    with transaction.atomic():
        message = message_queue(
            channel="sms",
            recipient="081234567890",
            template="notify.test",
            context={"text": "Antrean dibuka.", "reference": "SIM-1", "url": "http://b.id"},
            idempotency_key="worker-once",
            unit=org.bks,
        )
    out = io.StringIO()
    call_command("worker", "--once", stdout=out)
    message.refresh_from_db()
    assert message.status == "sent"
    assert "sweep notify.deliver_due: {'sent': 1}" in out.getvalue()
    assert Entry.objects.filter(action="notify.message.sent", actor_kind="system").count() == 1
    # Run again: nothing is due, nothing is sent twice.
    call_command("worker", "--once", stdout=io.StringIO())
    assert Message.objects.get(pk=message.pk).attempts == 1
    assert (tmp_path / "sms.jsonl").read_text().count("\n") == 1


@pytest.mark.usefixtures("worker_in_test_transaction")
def test_worker_once_runs_the_delivery_task(org, settings, tmp_path, django_capture_on_commit_callbacks):
    from django.db import transaction
    from django_tasks_db.models import DBTaskResult

    from bersih.notify.models import Message
    from bersih.notify.services import message_queue

    settings.NOTIFY_DEV_SINK, settings.NOTIFY_SINK_DIR, settings.SMS_GATEWAY_URL = True, tmp_path, ""
    # The safety-net sweep has just run, so only the task can deliver the message.
    SweepRun.objects.create(name="notify.deliver_due", last_started=timezone.now())
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        message = message_queue(
            channel="sms",
            recipient="081234567890",
            template="notify.test",
            context={"text": "t", "reference": "R", "url": "u"},
            idempotency_key="worker-task",
            unit=org.bks,
        )
    call_command("worker", "--once", stdout=io.StringIO())
    assert Message.objects.get(pk=message.pk).status == "sent"
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"


def test_scheduler_loop_stops_when_asked(monkeypatch):
    import threading
    import time

    from bersih.core.management.commands.worker import Command

    passes = []
    monkeypatch.setattr(
        "bersih.core.management.commands.worker.run_due_sweeps", lambda: passes.append(1) or {}
    )
    stop = threading.Event()
    thread = threading.Thread(target=Command()._scheduler_loop, args=(stop, 0.05))
    thread.start()
    deadline = time.monotonic() + 5
    while len(passes) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    stop.set()
    thread.join(timeout=2)
    assert not thread.is_alive() and len(passes) >= 2

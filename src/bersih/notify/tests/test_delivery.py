"""Delivery through the SMS gateway adapter against a local HTTP server: request shape, retries with
backoff, dead letters, and a worker crash between sending and recording."""

from datetime import timedelta

import pytest
from django.utils import timezone

from bersih.ledger.models import Entry
from bersih.notify import rules as policy
from bersih.notify import services
from bersih.notify.channels import channel_for
from bersih.notify.models import Message

from .conftest import Reply

pytestmark = pytest.mark.django_db


def test_sms_request_shape_and_sent_status(queue, sms_gateway):
    message = queue(idempotency_key="etle:1:sms")
    assert services.message_deliver(message_id=message.pk) == "sent"
    [request] = sms_gateway.requests
    assert request["path"] == "/api/sms/send"
    assert request["headers"]["Authorization"] == "Bearer gateway-test-key"
    assert request["headers"]["Idempotency-Key"] == "etle:1:sms"
    assert request["json"] == {"msisdn": "+6281234567890", "message": message.body, "from": "POLRESBKS"}
    message.refresh_from_db()
    assert (message.status, message.provider_message_id, message.attempts) == ("sent", "gw-1", 1)
    assert message.locked_until is None and message.sent_at is not None
    entry = Entry.objects.get(action="notify.message.sent")
    assert entry.actor_kind == "system" and entry.data["provider_id"] == "gw-1"


def test_a_sent_message_is_not_sent_again(queue, sms_gateway):
    message = queue()
    services.message_deliver(message_id=message.pk)
    assert services.message_deliver(message_id=message.pk) == "not-due"
    assert services.messages_deliver_due(now=timezone.now() + timedelta(days=1)) == {}
    assert len(sms_gateway.requests) == 1


@pytest.mark.parametrize(
    "reply",
    [
        Reply(500, {"error": "internal"}),
        Reply(503, b"<html>maintenance</html>"),
        Reply(429, {"error": "slow down"}),
        Reply(200, b"OK, not json"),
        Reply(200, {"status": "accepted"}),  # no message id
    ],
    ids=["500", "503-html", "429", "malformed", "no-id"],
)
def test_temporary_failures_are_retried_with_backoff(queue, sms_gateway, reply):
    message = queue()
    sms_gateway.reply_next(reply)
    before = timezone.now()
    assert services.message_deliver(message_id=message.pk) == "retry"
    message.refresh_from_db()
    assert message.status == "queued" and message.attempts == 1
    wait = message.next_attempt_at - before
    assert (
        policy.RETRY_BASE_DELAY * (1 - policy.RETRY_JITTER)
        <= wait
        <= policy.RETRY_BASE_DELAY + timedelta(seconds=2)
    )
    assert message.last_error
    # Not due yet: nothing happens; when due, the next attempt succeeds.
    assert services.message_deliver(message_id=message.pk) == "not-due"
    assert services.message_deliver(message_id=message.pk, now=message.next_attempt_at) == "sent"
    message.refresh_from_db()
    assert message.status == "sent" and message.attempts == 2


def test_timeout_is_retried(queue, sms_gateway, monkeypatch):
    monkeypatch.setattr(policy, "PROVIDER_TIMEOUT_SECONDS", 0.2)
    sms_gateway.reply_next(Reply(200, {"message_id": "late"}, delay=1.0))
    message = queue()
    assert services.message_deliver(message_id=message.pk) == "retry"
    message.refresh_from_db()
    assert "timeout" in message.last_error


def test_connection_refused_is_retried(queue, settings):
    from .conftest import free_port

    settings.SMS_GATEWAY_URL = f"http://127.0.0.1:{free_port()}/send"
    message = queue()
    assert services.message_deliver(message_id=message.pk) == "retry"


@pytest.mark.parametrize("status", [400, 401, 404, 422])
def test_client_errors_dead_letter_at_once(queue, sms_gateway, status):
    sms_gateway.reply_next(Reply(status, {"error": "invalid destination"}))
    message = queue()
    assert services.message_deliver(message_id=message.pk) == "dead"
    message.refresh_from_db()
    assert message.status == "dead" and message.attempts == 1 and message.dead_at is not None
    assert f"HTTP {status}" in message.last_error
    entry = Entry.objects.get(action="notify.message.dead_lettered")
    assert entry.data["permanent"] is True and entry.actor_kind == "system"


def test_backoff_grows_exponentially_and_is_capped():
    import random

    rng = random.Random(1)
    delays = [services.retry_delay(n, rng) for n in range(1, 12)]
    ceilings = [min(policy.RETRY_MAX_DELAY, policy.RETRY_BASE_DELAY * 2 ** (n - 1)) for n in range(1, 12)]
    for delay, ceiling in zip(delays, ceilings, strict=True):
        assert ceiling * (1 - policy.RETRY_JITTER) <= delay <= ceiling
    assert ceilings[-1] == policy.RETRY_MAX_DELAY
    assert len({round(d / c, 6) for d, c in zip(delays, ceilings, strict=True)}) > 1  # jittered


def test_after_the_last_attempt_the_message_is_dead_lettered(queue, sms_gateway):
    sms_gateway.default = Reply(502, {"error": "bad gateway"})
    message = queue()
    now = timezone.now()
    outcomes = []
    for _ in range(policy.MAX_ATTEMPTS):
        outcomes.append(services.message_deliver(message_id=message.pk, now=now))
        now += policy.RETRY_MAX_DELAY + timedelta(seconds=1)
    assert outcomes == ["retry"] * (policy.MAX_ATTEMPTS - 1) + ["dead"]
    message.refresh_from_db()
    assert message.status == "dead" and message.attempts == policy.MAX_ATTEMPTS
    assert len(sms_gateway.requests) == policy.MAX_ATTEMPTS
    assert services.message_deliver(message_id=message.pk, now=now) == "not-due"


def test_crash_between_send_and_status_update_does_not_lose_the_message(queue, sms_gateway):
    message = queue(idempotency_key="etle:crash")
    claimed, _token = services.message_claim(message_id=message.pk)
    channel_for("sms").send(claimed)  # the provider accepted it ... and the worker died here
    message.refresh_from_db()
    assert message.status == "sending"
    # While the claim holds, nobody else sends it.
    assert services.messages_deliver_due() == {}
    # After the lease the sweep sends it again, with the same idempotency key for the provider.
    later = timezone.now() + policy.CLAIM_LEASE + timedelta(seconds=1)
    assert services.messages_deliver_due(now=later) == {"sent": 1}
    keys = [r["headers"]["Idempotency-Key"] for r in sms_gateway.requests]
    assert keys == ["etle:crash", "etle:crash"]
    message.refresh_from_db()
    assert message.status == "sent" and message.attempts == 2


def test_late_result_of_an_expired_claim_does_not_overwrite_the_new_one(queue, sms_gateway):
    message = queue()
    first, first_token = services.message_claim(message_id=message.pk)
    later = timezone.now() + policy.CLAIM_LEASE + timedelta(seconds=1)
    _second, second_token = services.message_claim(message_id=message.pk, now=later)
    assert services.message_record_failure(first, first_token, "late", permanent=True) == "superseded"
    message.refresh_from_db()
    assert message.status == "sending" and message.claim_token == second_token


def test_two_workers_cannot_claim_the_same_message(queue):
    message = queue()
    assert services.message_claim(message_id=message.pk) is not None
    assert services.message_claim(message_id=message.pk) is None


def test_lost_last_attempt_is_dead_lettered_not_sent_again(queue, sms_gateway):
    message = queue()
    Message.objects.filter(pk=message.pk).update(attempts=policy.MAX_ATTEMPTS)
    services.message_claim(message_id=message.pk)  # the last attempt, whose worker dies
    later = timezone.now() + policy.CLAIM_LEASE + timedelta(seconds=1)
    assert services.messages_deliver_due(now=later) == {"dead": 1}
    assert sms_gateway.requests == []


def test_retry_of_a_dead_letter(queue, sms_gateway, org, make_user):
    sms_gateway.reply_next(Reply(400, {"error": "bad number"}))
    message = queue()
    services.message_deliver(message_id=message.pk)
    supervisor = make_user("spv", "supervisor", org.bks)
    services.message_retry(actor=supervisor, message=message)
    message.refresh_from_db()
    assert message.status == "queued" and message.attempts == 0
    entry = Entry.objects.get(action="notify.message.retried")
    assert entry.actor_kind == "user" and entry.actor_id == str(supervisor.pk)
    assert services.message_deliver(message_id=message.pk) == "sent"
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.message_retry(actor=supervisor, message=message)


def test_delivery_task_is_enqueued_after_commit(org, django_capture_on_commit_callbacks):
    from django.db import transaction
    from django_tasks_db.models import DBTaskResult

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        message = services.message_queue(
            channel="sms",
            recipient="081234567890",
            template="notify.test",
            context={"text": "t", "reference": "R", "url": "u"},
            idempotency_key="enq",
            unit=org.bks,
        )
    task = DBTaskResult.objects.get()
    assert task.task_path == "bersih.notify.tasks.deliver_message"
    assert task.args_kwargs["kwargs"] == {"message_id": message.pk}


def test_development_sink_writes_json_lines(queue, settings):
    import json

    message = queue()
    assert services.message_deliver(message_id=message.pk) == "sent"
    line = json.loads((settings.NOTIFY_SINK_DIR / "sms.jsonl").read_text().strip())
    assert line["to"] == "+6281234567890" and line["text"] == message.body

"""WhatsApp Cloud API template messages against a local server, and the signed delivery webhook."""

import hashlib
import hmac
import json

import pytest
from django.urls import reverse

from bersih.ledger.models import Entry
from bersih.notify import services
from bersih.notify.models import Message

from .conftest import Reply

pytestmark = pytest.mark.django_db


def test_template_message_request_shape(queue, whatsapp_api):
    message = queue(channel="whatsapp", recipient="0812-3456-7890")
    assert services.message_deliver(message_id=message.pk) == "sent"
    [request] = whatsapp_api.requests
    assert request["path"] == "/v21.0/1098765/messages"
    assert request["headers"]["Authorization"] == "Bearer wa-test-token"
    assert request["json"] == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "6281234567890",
        "type": "template",
        "template": {
            "name": "bersih_pemberitahuan",
            "language": {"code": "id"},
            "components": [
                {"type": "header", "parameters": [{"type": "text", "text": "ETL-2026-ABCD"}]},
                {
                    "type": "body",
                    "parameters": [
                        {"type": "text", "text": "Budi Santoso"},
                        {"type": "text", "text": "Surat konfirmasi terbit."},
                        {"type": "text", "text": "ETL-2026-ABCD"},
                    ],
                },
                {
                    "type": "button",
                    "sub_type": "url",
                    "index": "0",
                    "parameters": [{"type": "text", "text": "ETL-2026-ABCD"}],
                },
            ],
        },
    }
    message.refresh_from_db()
    assert message.provider_message_id == "wamid.1"


def test_missing_template_parameter_is_dead_lettered(queue, whatsapp_api):
    context = {"name": "Budi", "reference": "R-1", "url": "u", "text": "t"}
    message = queue(channel="whatsapp", context=context)
    Message.objects.filter(pk=message.pk).update(context={"name": "Budi"})
    assert services.message_deliver(message_id=message.pk) == "dead"
    assert whatsapp_api.requests == []


@pytest.mark.parametrize(
    ("reply", "outcome"),
    [
        (Reply(500, {"error": {"code": 1}}), "retry"),
        (Reply(400, {"error": {"code": 131026, "message": "Message undeliverable"}}), "dead"),
        (Reply(200, {"messaging_product": "whatsapp"}), "retry"),
    ],
    ids=["500", "400", "no-id"],
)
def test_provider_failures(queue, whatsapp_api, reply, outcome):
    whatsapp_api.reply_next(reply)
    message = queue(channel="whatsapp")
    assert services.message_deliver(message_id=message.pk) == outcome


def _signed(client, payload: dict, secret: str = "wa-app-secret"):  # noqa: S107 - the test app secret
    body = json.dumps(payload).encode()
    signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return client.post(
        reverse("notify:whatsapp-webhook"),
        body,
        content_type="application/json",
        HTTP_X_HUB_SIGNATURE_256=signature,
    )


def _report(provider_id: str, status: str, **extra) -> dict:
    value = {"messaging_product": "whatsapp", "statuses": [{"id": provider_id, "status": status, **extra}]}
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "1", "changes": [{"field": "messages", "value": value}]}],
    }


@pytest.fixture
def sent_whatsapp(queue, whatsapp_api):
    message = queue(channel="whatsapp")
    services.message_deliver(message_id=message.pk)
    message.refresh_from_db()
    return message


def test_webhook_updates_delivery_status(client, sent_whatsapp):
    response = _signed(client, _report("wamid.1", "delivered"))
    assert response.status_code == 200
    sent_whatsapp.refresh_from_db()
    assert sent_whatsapp.status == "delivered" and sent_whatsapp.delivered_at is not None
    _signed(client, _report("wamid.1", "read"))
    _signed(client, _report("wamid.1", "delivered"))  # late and out of order: ignored
    sent_whatsapp.refresh_from_db()
    assert sent_whatsapp.status == "read"
    actions = list(Entry.objects.filter(subject_id=str(sent_whatsapp.pk)).values_list("action", flat=True))
    assert actions[-2:] == ["notify.message.delivered", "notify.message.read"]


def test_webhook_failed_report_dead_letters(client, sent_whatsapp):
    errors = [{"code": 131047, "title": "Re-engagement message"}]
    assert _signed(client, _report("wamid.1", "failed", errors=errors)).status_code == 200
    sent_whatsapp.refresh_from_db()
    assert sent_whatsapp.status == "dead" and "131047" in sent_whatsapp.last_error


@pytest.mark.parametrize("secret", ["wrong-secret", ""])
def test_webhook_with_bad_signature_is_refused_and_changes_nothing(client, sent_whatsapp, secret):
    count = Entry.objects.count()
    if secret:
        response = _signed(client, _report("wamid.1", "delivered"), secret=secret)
    else:
        response = client.post(
            reverse("notify:whatsapp-webhook"),
            _report("wamid.1", "delivered"),
            content_type="application/json",
        )
    assert response.status_code == 403
    sent_whatsapp.refresh_from_db()
    assert sent_whatsapp.status == "sent" and Entry.objects.count() == count


def test_webhook_refuses_everything_without_an_app_secret(client, sent_whatsapp, settings):
    settings.WHATSAPP_APP_SECRET = ""
    assert _signed(client, _report("wamid.1", "delivered"), secret="").status_code == 403


def test_webhook_malformed_body_with_good_signature(client, whatsapp_api):
    body = b"[not json"
    signature = "sha256=" + hmac.new(b"wa-app-secret", body, hashlib.sha256).hexdigest()
    response = client.post(
        reverse("notify:whatsapp-webhook"),
        body,
        content_type="application/json",
        HTTP_X_HUB_SIGNATURE_256=signature,
    )
    assert response.status_code == 400


def test_webhook_unknown_message_changes_nothing(client, sent_whatsapp):
    assert _signed(client, _report("wamid.unknown", "delivered")).content == b"ok 0"


def test_webhook_verification_handshake(client, whatsapp_api):
    url = reverse("notify:whatsapp-webhook")
    ok = client.get(url, {"hub.mode": "subscribe", "hub.verify_token": "wa-verify", "hub.challenge": "12345"})
    assert ok.status_code == 200 and ok.content == b"12345"
    bad = client.get(url, {"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "12345"})
    assert bad.status_code == 403


@pytest.mark.parametrize(
    "payload",
    [
        {"entry": "x"},
        {"entry": ["x", None, {"changes": "y"}]},
        {"entry": [{"changes": [{"value": {"statuses": ["z", {"id": 5}]}}]}]},
        {"entry": [{"changes": [{"value": {"statuses": [{"id": "wamid.1", "status": "exploded"}]}}]}]},
    ],
)
def test_webhook_oddly_shaped_payloads_change_nothing(client, sent_whatsapp, payload):
    response = _signed(client, payload)
    assert response.status_code == 200 and response.content == b"ok 0"
    sent_whatsapp.refresh_from_db()
    assert sent_whatsapp.status == "sent"

"""Local stand-ins for the providers: a real SMTP server (aiosmtpd) and an HTTP server that checks
what it is sent and fails on demand."""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(autouse=True)
def outbox_storage(settings, tmp_path):
    """Files (attachments, batches, the development sink) go to a fresh directory per test."""
    settings.MEDIA_ROOT = tmp_path / "files"
    settings.NOTIFY_SINK_DIR = tmp_path / "outbox"
    settings.NOTIFY_DEV_SINK = True
    settings.SMS_GATEWAY_URL = ""
    settings.WHATSAPP_PHONE_NUMBER_ID = ""
    settings.WHATSAPP_TOKEN = ""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return tmp_path


# --- SMTP -----------------------------------------------------------------------------------------


class RecordingHandler:
    def __init__(self):
        self.messages = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("refuse"):
            return "550 5.1.1 mailbox unavailable"
        if address.startswith("later"):
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            {
                "from": envelope.mail_from,
                "to": list(envelope.rcpt_tos),
                "message": message_from_bytes(envelope.content, policy=policy.default),
            }
        )
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(settings):
    from aiosmtpd.controller import Controller

    handler = RecordingHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    try:
        yield handler
    finally:
        controller.stop()


# --- HTTP provider --------------------------------------------------------------------------------


@dataclass
class Reply:
    status: int = 200
    body: bytes | dict = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class Provider:
    """What the local provider received, and the replies it gives next (default: ``default``)."""

    url: str = ""
    requests: list = field(default_factory=list)
    replies: list = field(default_factory=list)
    default: Reply = field(default_factory=Reply)

    def reply_next(self, *replies: Reply) -> None:
        self.replies.extend(replies)


@pytest.fixture
def provider():
    state = Provider()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            try:
                parsed = json.loads(raw)
            except ValueError:
                parsed = None
            state.requests.append({"path": self.path, "headers": dict(self.headers), "json": parsed})
            reply = state.replies.pop(0) if state.replies else state.default
            if reply.delay:
                time.sleep(reply.delay)
            body = reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body).encode()
            try:
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def sms_gateway(settings, provider):
    settings.SMS_GATEWAY_URL = provider.url + "/api/sms/send"
    settings.SMS_GATEWAY_KEY = "gateway-test-key"
    settings.SMS_FIELD_TO, settings.SMS_FIELD_TEXT = "msisdn", "message"
    settings.SMS_FIELD_SENDER, settings.SMS_SENDER = "from", "POLRESBKS"
    settings.SMS_FIELD_ID = "message_id"
    provider.default = Reply(200, {"message_id": "gw-1", "status": "accepted"})
    return provider


@pytest.fixture
def whatsapp_api(settings, provider):
    settings.WHATSAPP_API_URL = provider.url + "/v21.0"
    settings.WHATSAPP_PHONE_NUMBER_ID = "1098765"
    settings.WHATSAPP_TOKEN = "wa-test-token"
    settings.WHATSAPP_APP_SECRET = "wa-app-secret"
    settings.WHATSAPP_VERIFY_TOKEN = "wa-verify"
    provider.default = Reply(
        200,
        {
            "messaging_product": "whatsapp",
            "contacts": [{"wa_id": "6281234567890"}],
            "messages": [{"id": "wamid.1"}],
        },
    )
    return provider


CONTEXT = {
    "name": "Budi Santoso",
    "reference": "ETL-2026-ABCD",
    "text": "Surat konfirmasi terbit.",
    "url": "https://b.id/",
}


@pytest.fixture
def queue(org):
    """Queue a message in a transaction (as a module's service would) and answer it."""
    from django.db import transaction

    from bersih.notify.services import message_queue

    def _queue(**overrides):
        fields = {
            "channel": "sms",
            "recipient": "0812-3456-7890",
            "template": "notify.test",
            "context": dict(CONTEXT),
            "idempotency_key": f"test:{len(_queue.keys)}",
            "unit": org.bks_satlantas,
        }
        fields.update(overrides)
        _queue.keys.append(fields["idempotency_key"])
        with transaction.atomic():
            return message_queue(**fields)

    _queue.keys = []
    return _queue

"""What every programme that takes money through the bank shares: virtual account numbers with a Luhn
check digit, the secret shared with the bank, and the judgement of the envelope of a signed payment
notification (size, signature, timestamp window, JSON and schema).

A module that takes payments (ETLE's deposits, the SIM fee) keeps its own account table, callback log
and rules (prefix, skew, size limit, the payload's schema) and decides the payment itself; the checks
before that are here, once:

* :func:`luhn_digit`, :func:`virtual_account_number` and :func:`virtual_account_valid`;
* :class:`SharedSecret` — the setting in production, a file under KEYS_DIR in development;
* :func:`callback_signature` and :func:`signed_request` — the HMAC-SHA256 of ``timestamp + "." + body``;
* :func:`judge_envelope` — the refusals before the payload is trusted, as :class:`CallbackResult`;
* :func:`read_callback` — the raw body of a request, or None when it is too large to read.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _
from pydantic import BaseModel
from pydantic import ValidationError as PydanticError

logger = logging.getLogger(__name__)

ACCEPTED, DUPLICATE, REFUSED = "accepted", "duplicate", "refused"

# --- Virtual account numbers ----------------------------------------------------------------------


def luhn_digit(digits: str) -> str:
    """The Luhn check digit of ``digits``: a bank teller's single-digit typo or swap is caught."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:  # doubled: every second digit from the right, the check digit to be
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return str((10 - total % 10) % 10)


def virtual_account_number(prefix: str, length: int, taken: Callable[[str], bool]) -> str:
    """A fresh number of ``length`` digits: ``prefix``, random digits, a Luhn check digit; ``taken``
    says whether a candidate is already in use."""
    while True:
        body = prefix + "".join(secrets.choice("0123456789") for _ in range(length - len(prefix) - 1))
        number = body + luhn_digit(body)
        if not taken(number):
            return number


def virtual_account_valid(number: str, prefix: str, length: int) -> bool:
    return (
        len(number) == length
        and number.isdigit()
        and number.startswith(prefix)
        and luhn_digit(number[:-1]) == number[-1]
    )


# --- The secret shared with the bank --------------------------------------------------------------


class BankSecretMissing(Exception):
    """No bank secret is configured (production needs the setting)."""


def keys_dir() -> Path:
    return Path(getattr(settings, "KEYS_DIR", settings.VAR_DIR / "keys"))


@dataclass(frozen=True)
class SharedSecret:
    """A secret agreed with the bank: the setting ``setting`` (required in production), or in
    development the file ``file_name`` under KEYS_DIR (mode 0600), made on first use or by
    ``bersih keys init``."""

    setting: str
    file_name: str

    def _write(self, path: Path) -> str:
        path.parent.mkdir(parents=True, exist_ok=True)
        value = secrets.token_urlsafe(32)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(value)
        path.chmod(0o600)
        return value

    def init(self, directory: Path, *, force: bool = False) -> list[str]:
        path = Path(directory) / self.file_name
        if path.exists() and not force:
            return [f"bank secret kept ({path.name})"]
        self._write(path)
        return [f"bank secret created: {path.name}"]

    def get(self) -> bytes:
        configured = getattr(settings, self.setting, "")
        if configured:
            return configured.encode()
        if getattr(settings, "PRODUCTION", False):
            raise BankSecretMissing(f"{self.setting} must be set in production")
        path = keys_dir() / self.file_name
        if not path.exists():
            return self._write(path).encode()
        return path.read_text().strip().encode()

    def configured_for_production(self) -> bool:
        return not getattr(settings, "PRODUCTION", False) or bool(getattr(settings, self.setting, ""))


# --- Signed notifications -------------------------------------------------------------------------


def callback_signature(secret: bytes, timestamp: str, body: bytes) -> str:
    """The hex HMAC-SHA256 of ``timestamp + "." + body``: what the bank sends in X-Bersih-Signature."""
    return hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def signed_request(payload: dict, *, secret: bytes, at: int | None = None) -> tuple[bytes, dict]:
    """The body and headers the bank sends for ``payload`` (simulated banks and tests use it)."""
    body = json.dumps(payload, separators=(",", ":")).encode()
    timestamp = str(int(time.time()) if at is None else at)
    signature = callback_signature(secret, timestamp, body)
    return body, {"X-Bersih-Timestamp": timestamp, "X-Bersih-Signature": signature}


@dataclass
class CallbackResult:
    """What the endpoint answers: ``status`` and, on success, ``body``; otherwise a problem."""

    status: int
    outcome: str
    reason: str = ""
    problem_type: str = ""
    detail: str = ""
    body: dict = field(default_factory=dict)
    errors: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status == 200


def refused(status: int, problem_type: str, reason: str, detail: str, errors=None) -> CallbackResult:
    return CallbackResult(status, REFUSED, reason, problem_type, detail, errors=list(errors or []))


@dataclass(frozen=True)
class Envelope:
    """A programme's limits for its notifications."""

    secret: SharedSecret
    schema: type[BaseModel]
    max_bytes: int
    skew: timedelta


def judge_envelope(
    envelope: Envelope, body: bytes | None, timestamp: str | None, signature: str | None, size: int, now
) -> tuple[CallbackResult | None, dict | None]:
    """The refusal of a notification before its payload is trusted, or ``(None, data)`` when the body
    is the bank's, fresh, and matches the schema. In order: size (413), signature headers, secret and
    signature (401), timestamp within ``skew`` (401), JSON (422 malformed-json) and schema (422)."""
    if body is None or size > envelope.max_bytes or len(body) > envelope.max_bytes:
        return refused(
            413,
            "payload-too-large",
            "too-large",
            _("The request body is larger than %(limit)d bytes.") % {"limit": envelope.max_bytes},
        ), None
    if not timestamp or not signature:
        return refused(
            401,
            "unauthenticated",
            "signature-missing",
            _("Sign the request: headers X-Bersih-Timestamp and X-Bersih-Signature."),
        ), None
    try:
        secret = envelope.secret.get()
    except BankSecretMissing:
        logger.error("bank callback refused: no %s configured", envelope.secret.setting)
        return refused(
            401, "unauthenticated", "no-secret", _("Payment notifications are not configured.")
        ), None
    expected = callback_signature(secret, timestamp, body)
    if not hmac.compare_digest(expected.encode(), signature.strip().lower().encode("ascii", "replace")):
        return refused(401, "unauthenticated", "signature-invalid", _("The signature does not match.")), None
    try:
        sent = int(timestamp)
    except ValueError:
        sent = None
    if sent is None or abs(now.timestamp() - sent) > envelope.skew.total_seconds():
        return refused(
            401,
            "unauthenticated",
            "stale-timestamp",
            _("The timestamp is more than %(minutes)d minutes from the server's clock.")
            % {"minutes": int(envelope.skew.total_seconds() // 60)},
        ), None
    try:
        data = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return refused(
            422, "malformed-json", "malformed-json", _("The request body is not valid JSON.")
        ), None
    if not isinstance(data, dict):
        return refused(422, "validation-error", "schema", _("The request does not match the schema.")), None
    try:
        envelope.schema.model_validate(data)
    except PydanticError as exc:
        errors = [
            {"loc": ["body", *e.get("loc", ())], "msg": e.get("msg", ""), "type": e.get("type", "")}
            for e in exc.errors(include_url=False, include_input=False)
        ]
        return refused(
            422, "validation-error", "schema", _("The request does not match the schema."), errors
        ), data
    return None, data


def payload_digest(body: bytes | None) -> str:
    return hashlib.sha256(body).hexdigest() if body is not None else ""


def logged_amount(data: dict | None):
    """The payload's amount as a callback log may keep it (an integer that fits), else None."""
    amount = (data or {}).get("amount")
    if isinstance(amount, int) and not isinstance(amount, bool) and abs(amount) < 2**62:
        return amount
    return None


def callback_log(log_model, result, *, now, digest: str, size: int, data: dict | None, **links):
    """Write one row of a module's append-only callback log (ETLE's ``BankCallback``, the SIM fee's
    ``FeeCallback``): what arrived and how it was answered; ``links`` are the module's own columns
    (the payment, the client)."""
    data = data or {}
    return log_model.objects.create(
        received_at=now,
        outcome=result.outcome,
        status=result.status,
        reason=result.reason[:40],
        va_number=str(data.get("va_number") or "")[:40],
        bank_reference=str(data.get("bank_reference") or "")[:80],
        amount=logged_amount(data),
        payload_sha256=digest,
        size=size,
        **links,
    )


def read_callback(request, max_bytes: int) -> tuple[bytes | None, int]:
    """The raw body (the signature covers its exact bytes), or None when it is too large to read."""
    try:
        size = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        size = 0
    if size > max_bytes:
        return None, size
    body = request.body
    return body, max(size, len(body))


def signature_headers_openapi() -> list[dict]:
    """The two signature headers, as an operation's OpenAPI parameters."""
    return [
        {
            "in": "header",
            "name": "X-Bersih-Timestamp",
            "required": True,
            "schema": {"type": "string"},
            "description": "Unix time in seconds when the bank signed the request.",
        },
        {
            "in": "header",
            "name": "X-Bersih-Signature",
            "required": True,
            "schema": {"type": "string"},
            "description": 'Hex HMAC-SHA256 of timestamp + "." + the raw body, with the shared secret.',
        },
    ]


# --- Playing the bank (demo and operator commands) --------------------------------------------------


def simulated_payment(*, va: str, amount: int, reference: str, channel: str, reference_prefix: str) -> dict:
    """The payload the bank would send for a payment into ``va`` now (a new reference if none given)."""
    from django.utils import timezone

    return {
        "va_number": va,
        "amount": amount,
        "paid_at": timezone.localtime().replace(microsecond=0).isoformat(),
        "bank_reference": reference
        or f"{reference_prefix}-{timezone.localdate():%Y%m%d}-{secrets.token_hex(4).upper()}",
        "channel": channel,
    }


def post_notification(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
    """POST a signed notification to ``url`` as the bank does: (status, answer). ConnectionError when
    the server cannot be reached."""
    import urllib.error
    import urllib.request

    request = urllib.request.Request(  # noqa: S310 - the operator names the server
        url, data=body, method="POST", headers={**headers, "Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()
    except urllib.error.URLError as exc:
        raise ConnectionError(f"cannot reach {url}: {exc.reason}") from None

"""Complaints by e-mail: the worker reads the configured mailbox (IMAP) and files each unseen message
as a named complaint.

* The sender is the requester (their address for every message), the subject the title, the text
  part the description (an HTML-only mail is reduced to its text). The category is guessed from
  keywords (``rules.MAIL_CATEGORY_KEYWORDS``), else ``rules.MAIL_DEFAULT_CATEGORY``; Siwas verifies
  every complaint anyway. A subject that says "rahasia" files it confidential.
* Attachments of an accepted type (photos, PDF, within the size limit) become evidence; the others are
  listed in an internal note, so the officer knows the mail had them.
* Idempotent by Message-ID (or, without one, by the message's bytes): a replayed mail files nothing
  new. A message is flagged ``\\Seen`` only once it is filed or refused for good, so a failure midway
  leaves it for the next sweep; it is read with ``BODY.PEEK[]`` so reading alone marks nothing.
* The sender gets the tracking number and — unlike the web form, where the page shows it once — the
  secret code, in a message of its own: an e-mail reporter has no page to see it on. The secret then
  rests in the outbox row of that message; it opens only the public timeline and the reply of a case
  whose reporter is already known by address.
* A mail that cannot become a case (no usable sender, too big, not a mail at all) is flagged seen and
  recorded in the ledger (``services.mail.refused``) with its Message-ID and why.

Settings (environment): ``SIPMAS_IMAP_HOST`` (empty: no mailbox), ``SIPMAS_IMAP_PORT``,
``SIPMAS_IMAP_SECURITY`` (``ssl``, ``starttls`` or ``none``), ``SIPMAS_IMAP_USER``,
``SIPMAS_IMAP_PASSWORD``, ``SIPMAS_IMAP_FOLDER``, ``SIPMAS_IMAP_TIMEOUT``, ``SIPMAS_MAILBOX_POLRES``
(the code of the Polres the mailbox belongs to; optional when there is only one).
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import hashlib
import html
import imaplib
import logging
import re
import ssl
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import getaddresses

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext as _
from django.utils.translation import override

from bersih import ledger
from bersih.core.models import Unit
from bersih.documents import rules as document_rules
from bersih.documents.services import upload_check
from bersih.ledger.services import SYSTEM, SystemActor
from bersih.notify.services import message_queue

from .. import rules
from ..models import Case
from .handling import case_note
from .intake import Upload, case_submit

logger = logging.getLogger(__name__)
MAIL_INTAKE = SystemActor(label="e-mail intake")
TOKEN_PREFIX = "mail:"  # noqa: S105 - a label, not a password


@dataclass(frozen=True)
class MailboxSettings:
    host: str
    port: int
    security: str
    user: str
    password: str
    folder: str
    timeout: int
    polres: str

    @classmethod
    def from_settings(cls) -> MailboxSettings:
        security = str(getattr(settings, "SIPMAS_IMAP_SECURITY", "ssl") or "ssl").lower()
        default_port = 993 if security == "ssl" else 143
        return cls(
            host=str(getattr(settings, "SIPMAS_IMAP_HOST", "") or ""),
            port=int(getattr(settings, "SIPMAS_IMAP_PORT", 0) or default_port),
            security=security,
            user=str(getattr(settings, "SIPMAS_IMAP_USER", "") or ""),
            password=str(getattr(settings, "SIPMAS_IMAP_PASSWORD", "") or ""),
            folder=str(getattr(settings, "SIPMAS_IMAP_FOLDER", "") or "INBOX"),
            timeout=int(getattr(settings, "SIPMAS_IMAP_TIMEOUT", 30) or 30),
            polres=str(getattr(settings, "SIPMAS_MAILBOX_POLRES", "") or ""),
        )


@dataclass
class SweepResult:
    configured: bool = True
    filed: list[str] = field(default_factory=list)
    duplicates: int = 0
    refused: list[str] = field(default_factory=list)
    error: str = ""

    def as_dict(self) -> dict:
        return {
            "configured": self.configured,
            "filed": len(self.filed),
            "duplicates": self.duplicates,
            "refused": len(self.refused),
            "error": self.error,
        }


class MailRefused(Exception):
    """This message can never become a case (it is flagged seen and recorded)."""


def _connect(config: MailboxSettings) -> imaplib.IMAP4:
    if config.security not in ("ssl", "starttls", "none"):
        raise ValueError("SIPMAS_IMAP_SECURITY must be ssl, starttls or none")
    if config.security == "ssl":
        return imaplib.IMAP4_SSL(
            config.host, config.port, ssl_context=ssl.create_default_context(), timeout=config.timeout
        )
    connection = imaplib.IMAP4(config.host, config.port, timeout=config.timeout)
    if config.security == "starttls":
        connection.starttls(ssl_context=ssl.create_default_context())
    return connection


def _polres(config: MailboxSettings) -> Unit:
    units = Unit.objects.filter(kind="polres", active=True)
    if config.polres:
        unit = units.filter(code=config.polres).first()
        if unit is None:
            raise ValueError(f"SIPMAS_MAILBOX_POLRES: no active Polres with code {config.polres!r}")
        return unit
    found = list(units[:2])
    if len(found) != 1:
        raise ValueError("SIPMAS_MAILBOX_POLRES must name the Polres of the mailbox (there is not just one)")
    return found[0]


def mailbox_sweep(now: datetime | None = None) -> dict:
    """The scheduled sweep: file every unseen message of the configured mailbox. Never raises for a
    broken server or mail: the error is logged and returned, and unfiled messages stay unseen."""
    config = MailboxSettings.from_settings()
    if not config.host:
        return SweepResult(configured=False).as_dict()
    return mailbox_read(config, now=now).as_dict()


def mailbox_read(config: MailboxSettings, *, now: datetime | None = None) -> SweepResult:
    result = SweepResult()
    try:
        polres = _polres(config)
    except ValueError as exc:
        result.error = str(exc)
        logger.error("mailbox: %s", exc)
        return result
    connection = None
    try:
        connection = _connect(config)
        _ok(connection.login(config.user, config.password), "LOGIN")
        _ok(connection.select(_quoted(config.folder)), "SELECT")
        data = _ok(connection.uid("SEARCH", None, "UNSEEN"), "SEARCH")
        uids = [uid for uid in (data[0] or b"").split() if uid.isdigit()][: rules.MAIL_PER_SWEEP]
        for uid in uids:
            raw = _fetch(connection, uid)
            if raw is None:
                continue
            outcome = mail_file(raw, polres=polres, now=now)
            if outcome == "duplicate":
                result.duplicates += 1
            elif outcome.startswith("refused:"):
                result.refused.append(outcome.removeprefix("refused:"))
            else:
                result.filed.append(outcome)
            _ok(connection.uid("STORE", uid, "+FLAGS", "(\\Seen)"), "STORE")
    except (OSError, imaplib.IMAP4.error, EOFError) as exc:
        result.error = f"{type(exc).__name__}: {exc}"
        logger.warning("mailbox %s:%s: %s", config.host, config.port, result.error)
    finally:
        if connection is not None:
            with contextlib.suppress(OSError, imaplib.IMAP4.error, EOFError):
                connection.logout()
    return result


def _quoted(folder: str) -> str:
    return folder if re.fullmatch(r"[A-Za-z0-9._/-]+", folder) else '"' + folder.replace('"', "") + '"'


def _ok(response, command: str):
    status, data = response
    if status != "OK":
        raise imaplib.IMAP4.error(f"{command} answered {status}: {data!r}"[:300])
    return data


def _fetch(connection, uid: bytes) -> bytes | None:
    data = _ok(connection.uid("FETCH", uid, "(BODY.PEEK[])"), "FETCH")
    for part in data:
        if isinstance(part, tuple) and len(part) == 2:
            return part[1]
    return None


# --- One message → one case -------------------------------------------------------------------------


def _token(message_id: str, raw: bytes) -> str:
    key = message_id.strip().lower() if message_id.strip() else hashlib.sha256(raw).hexdigest()
    return TOKEN_PREFIX + hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()[:35]


def _text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    if part is not None:
        text = _content(part)
    else:
        part = message.get_body(preferencelist=("html",))
        text = _html_to_text(_content(part)) if part is not None else ""
    text = text.replace("\r\n", "\n").strip()
    return re.sub(r"\n{3,}", "\n\n", text)


def _content(part) -> str:
    try:
        content = part.get_content()
    except (LookupError, ValueError, AssertionError):
        payload = part.get_payload(decode=True) or b""
        content = payload.decode("utf-8", "replace")
    return content if isinstance(content, str) else content.decode("utf-8", "replace")


def _html_to_text(value: str) -> str:
    value = re.sub(r"(?is)<(script|style|head)\b.*?</\1\s*>", " ", value)
    value = re.sub(r"(?i)<br\s*/?>|</p\s*>|</div\s*>|</li\s*>", "\n", value)
    return html.unescape(strip_tags(value))


def _category(subject: str, text: str) -> str:
    haystack = f"{subject}\n{text}".lower()
    for category, words in rules.MAIL_CATEGORY_KEYWORDS.items():
        if any(re.search(rf"\b{re.escape(word)}\b", haystack) for word in words):
            return category
    return rules.MAIL_DEFAULT_CATEGORY


def _attachments(message: EmailMessage) -> tuple[list[Upload], list[str]]:
    accepted, refused = [], []
    for part in message.iter_attachments():
        name = str(part.get_filename() or "").strip()[:200] or "(tanpa nama)"
        try:
            content = part.get_payload(decode=True) or b""
        except (ValueError, AssertionError):
            content = b""
        try:
            checked = upload_check(
                content, allowed_types=document_rules.EVIDENCE, max_bytes=document_rules.MAX_PDF_BYTES
            )
        except ValidationError as exc:
            refused.append(f"{name}: {' '.join(exc.messages)}")
            continue
        if len(accepted) >= rules.MAX_ATTACHMENTS:
            refused.append(f"{name}: {rules.MAX_ATTACHMENTS}+")
            continue
        accepted.append(Upload(checked.content, name))
    return accepted, refused


def _refuse(token: str, message_id: str, reason: str, now: datetime) -> str:
    with transaction.atomic():
        ledger.record(
            actor=MAIL_INTAKE,
            action="services.mail.refused",
            data={"message_id": message_id[:200], "token": token, "reason": reason},
        )
    logger.info("mailbox: refused %s: %s", message_id or token, reason)
    return f"refused:{reason}"


def mail_file(raw: bytes, *, polres: Unit, now: datetime | None = None) -> str:
    """File one raw message; returns the tracking number, ``"duplicate"`` or ``"refused:<why>"``."""
    now = now or timezone.now()
    if len(raw) > rules.MAIL_MAX_BYTES:
        return _refuse(_token("", raw[:65536]), "", "too_large", now)
    try:
        message = email.message_from_bytes(raw, policy=email.policy.default)
        message_id = str(message.get("Message-ID", "") or "")
    except (ValueError, TypeError, IndexError, LookupError):
        return _refuse(_token("", raw), "", "unreadable", now)
    token = _token(message_id, raw)
    if Case.objects.filter(intake_token=token).exists():
        return "duplicate"
    try:
        sender = _sender(message)
        subject = " ".join(str(message.get("Subject", "") or "").split())
        text = _text_of(message)
        uploads, refused_files = _attachments(message)
    except (ValueError, TypeError, IndexError, LookupError, AssertionError) as exc:
        return _refuse(token, message_id, f"unreadable: {type(exc).__name__}", now)
    if sender is None:
        return _refuse(token, message_id, "no_sender", now)
    name, address = sender
    truncated = len(text) > rules.DESCRIPTION_MAX
    if truncated:
        text = text[: rules.DESCRIPTION_MAX - 1].rstrip() + "…"
    with override("id"):  # what officers read, in the service's language
        description = text or _("(An e-mail without text; see the attached files.)")
        default_title = _("Complaint by e-mail")
        refused_label = _("Attachments not accepted: %(list)s")
        truncated_label = _("The e-mail's text was cut at %(n)s characters.")
    try:
        with transaction.atomic():
            submitted = case_submit(
                actor=MAIL_INTAKE,
                service=rules.COMPLAINT.code,
                unit=polres,
                category=_category(subject, text),
                privacy="rahasia" if re.search(r"\brahasia\b", subject.lower()) else "named",
                title=(subject or default_title)[: rules.TITLE_MAX],
                description=description,
                requester={"full_name": name, "email": address, "preferred_channel": "email"},
                channel="email",
                uploads=uploads,
                details={"message_id": message_id[:200]},
                intake_token=token,
                now=now,
            )
            case = submitted.case
            notes = []
            if refused_files:
                notes.append(refused_label % {"list": "; ".join(refused_files)})
            if truncated:
                notes.append(truncated_label % {"n": rules.DESCRIPTION_MAX})
            if notes:
                case_note(actor=SYSTEM, case=case, text="\n".join(notes)[:4000], now=now)
            message_queue(
                channel="email",
                recipient=address,
                template="services.mail_received",
                context={
                    "name": name,
                    "reference": case.tracking_number,
                    "secret": submitted.secret,
                    "url": f"{settings.SITE_URL}/lacak/",
                    "verify_days": rules.VERIFY_WORKING_DAYS,
                },
                language="id",
                idempotency_key=f"services:{case.pk}:mail-secret",
                subject=case,
                unit=case.unit,
                actor=MAIL_INTAKE,
            )
    except IntegrityError:
        # The same mail filed by a parallel sweep: its token is taken.
        if Case.objects.filter(intake_token=token).exists():
            return "duplicate"
        raise
    except ValidationError as exc:
        return _refuse(token, message_id, "invalid: " + "; ".join(exc.messages)[:200], now)
    return case.tracking_number


def _sender(message: EmailMessage) -> tuple[str, str] | None:
    """(name, address) of the sender (Reply-To first), or None without a plausible address."""
    for header in ("Reply-To", "From"):
        values = [str(v) for v in message.get_all(header, [])]
        for name, address in getaddresses(values):
            address = address.strip()
            if re.fullmatch(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+", address):
                name = " ".join(name.split())[:120] or address.split("@")[0][:120]
                return name, address.lower()
    return None

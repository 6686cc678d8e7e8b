"""Outbox: queue and deliver messages (development sink), and build a day's post batch.

Figures are ratios to limits measured in the same run: queueing+delivering a message against a bare
row insert in its own transaction, and a batch's letters against bare one-page ReportLab letters.
"""

from __future__ import annotations

import tempfile
import time
from datetime import date

from bench.report import figure

N_MESSAGES = 200
N_LETTERS = 60


def _setup():
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    tmp = tempfile.mkdtemp(prefix="bersih-bench-outbox-")
    settings.NOTIFY_DEV_SINK, settings.NOTIFY_SINK_DIR, settings.SMS_GATEWAY_URL = True, tmp, ""
    settings.MEDIA_ROOT = tmp
    from bersih.core.models import Unit

    polda, _ = Unit.objects.get_or_create(code="bench-pmj", defaults={"name": "Bench Polda", "kind": "polda"})
    polres, _ = Unit.objects.get_or_create(
        code="bench-bks", defaults={"name": "Bench Polres", "kind": "polres", "parent": polda}
    )
    return polres


def _raw_inserts_per_second(unit) -> float:
    from django.db import transaction

    from bersih.notify.models import SweepRun

    started = time.perf_counter()
    for i in range(N_MESSAGES):
        with transaction.atomic():
            SweepRun.objects.create(name=f"bench.raw.{time.time_ns()}.{i}")
    elapsed = time.perf_counter() - started
    SweepRun.objects.filter(name__startswith="bench.raw.").delete()
    return N_MESSAGES / elapsed


def _outbox_per_second(unit) -> float:
    from django.db import transaction

    from bersih.notify.services import message_deliver, message_queue

    run = time.time_ns()
    context = {"name": "Warga", "reference": "BENCH-1", "text": "Pemberitahuan.", "url": "http://b.id"}
    started = time.perf_counter()
    ids = []
    for i in range(N_MESSAGES):
        with transaction.atomic():
            ids.append(
                message_queue(
                    channel="sms",
                    recipient="081234567890",
                    template="notify.test",
                    context=context,
                    idempotency_key=f"bench:{run}:{i}",
                    unit=unit,
                ).pk
            )
    for message_id in ids:
        message_deliver(message_id=message_id)
    return N_MESSAGES / (time.perf_counter() - started)


def _bare_letters_per_second() -> float:
    from bersih.notify.postroom import plain_letter_pdf

    started = time.perf_counter()
    for i in range(N_LETTERS):
        plain_letter_pdf([f"Warga {i}", "Jl. Melati 3", "Bekasi 17145"], "Isi surat.")
    return N_LETTERS / (time.perf_counter() - started)


def _batched_letters_per_second(unit) -> float:
    from django.db import transaction

    from bersih.ledger.services import SYSTEM
    from bersih.notify.models import PostBatch
    from bersih.notify.services import message_deliver, message_queue, post_batch_build

    run = time.time_ns()
    for i in range(N_LETTERS):
        address = {
            "name": f"Warga {i}",
            "street": f"Jl. Melati {i}",
            "city": "Bekasi",
            "postcode": f"17{i % 90:03d}",
        }
        with transaction.atomic():
            message = message_queue(
                channel="post",
                recipient="",
                template="notify.test",
                context={"name": "Warga", "reference": "B", "text": "t", "url": "u", "address": address},
                idempotency_key=f"bench:post:{run}:{i}",
                unit=unit,
            )
        message_deliver(message_id=message.pk)
    day = date(2000 + run % 1000, 1, 1)
    PostBatch.objects.filter(unit=unit, day=day).delete()
    started = time.perf_counter()
    batch = post_batch_build(actor=SYSTEM, unit=unit, day=day)
    elapsed = time.perf_counter() - started
    return batch.letter_count / elapsed


def run() -> bool:
    unit = _setup()
    raw = _raw_inserts_per_second(unit)
    outbox = _outbox_per_second(unit)
    ok = figure(
        "queue + deliver (SMS sink)",
        outbox,
        "messages/s",
        limit=raw,
        # No target: the issue sets none, and a message is several transactions (queue, claim, record
        # the send), three ledger appends and about eighteen queries. The ratio is printed to be watched.
        note="limit: bare row inserts, one transaction each",
    )
    bare = _bare_letters_per_second()
    batched = _batched_letters_per_second(unit)
    ok &= figure(
        "post batch (PDF, labels, manifests)",
        batched,
        "letters/s",
        limit=bare,
        target_ratio=0.2,
        note="limit: bare one-page ReportLab letters",
    )
    return ok

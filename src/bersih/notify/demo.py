"""Demo outbox: a few delivered messages on every channel, one letter in the post room and one
dead-lettered SMS (the gateway refused the number), so the outbox page shows each state."""

from __future__ import annotations

from django.utils import timezone

from bersih.core.demo import DemoWorld
from bersih.ledger.services import SYSTEM

from . import services


def _demo_unit(world: DemoWorld):
    from bersih.core.models import Unit

    return (
        world.units.get("bks-satlantas")
        or world.units.get("bks")
        or Unit.objects.filter(kind="polres").order_by("path").first()
    )


def seed(world: DemoWorld) -> None:
    unit = _demo_unit(world)
    if unit is None:
        world.log("demo: notify skipped (no Polres in the demo organisation)")
        return
    faker = world.faker
    url = "http://127.0.0.1:8000/"
    delivered = []
    for number in range(1, 4):
        name = faker.name()
        context = {
            "name": name,
            "reference": f"DEMO-{number:04d}",
            "text": "Contoh pemberitahuan.",
            "url": url,
        }
        delivered.append(
            services.message_queue(
                channel="email",
                recipient=f"warga{number}@contoh.id",
                template="notify.test",
                context=context,
                idempotency_key=f"demo:email:{number}",
                unit=unit,
            )
        )
    whatsapp_context = {
        "name": faker.name(),
        "reference": "DEMO-0010",
        "text": "Surat tilang terbit.",
        "url": url,
    }
    delivered.append(
        services.message_queue(
            channel="whatsapp",
            recipient=f"0812{world.rng.randrange(10**7, 10**8)}",
            template="notify.test",
            context=whatsapp_context,
            idempotency_key="demo:whatsapp:1",
            unit=unit,
        )
    )
    letter_context = {
        "name": faker.name(),
        "reference": "DEMO-0020",
        "text": "Konfirmasi pelanggaran lalu lintas.",
        "url": url,
        "address": {
            "name": faker.name(),
            "street": faker.street_address(),
            "city": "Kota Bekasi",
            "province": "Jawa Barat",
            "postcode": "17141",
        },
    }
    delivered.append(
        services.message_queue(
            channel="post",
            recipient="",
            template="notify.test",
            context=letter_context,
            idempotency_key="demo:post:1",
            unit=unit,
        )
    )
    for message in delivered:
        services.message_deliver(message_id=message.pk)
    refused = services.message_queue(
        channel="sms",
        recipient="081234500000",
        template="notify.test",
        context={"name": faker.name(), "reference": "DEMO-0030", "text": "Antrean SIM dibuka.", "url": url},
        idempotency_key="demo:sms:refused",
        unit=unit,
    )
    # What the SMS gateway answered for this number in the demo story: a permanent refusal.
    claim = services.message_claim(message_id=refused.pk)
    if claim is not None:
        services.message_record_failure(
            claim[0], claim[1], "HTTP 400: destination number is not in service", permanent=True
        )
    # The post room's batch of the day, so its printable files can be opened at once.
    polres = unit.polres() or unit
    services.post_batch_build(actor=SYSTEM, unit=polres, day=timezone.localdate())
    world.log(f"demo: notify queued {len(delivered) + 1} messages (one dead-lettered) and a post batch")

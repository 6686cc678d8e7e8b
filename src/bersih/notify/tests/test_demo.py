import pytest

from bersih.core.demo import new_world
from bersih.notify import demo
from bersih.notify.models import Message, PostBatch, PostLetter

pytestmark = pytest.mark.django_db


def test_demo_outbox_has_sent_messages_and_one_dead_letter(org):
    world = new_world(2026, log=lambda *_: None)
    world.units["bks"] = org.bks
    demo.seed(world)
    statuses = sorted(Message.objects.values_list("status", flat=True))
    assert statuses.count("dead") == 1 and statuses.count("sent") == 5
    assert set(Message.objects.values_list("channel", flat=True)) == {"email", "sms", "whatsapp", "post"}
    assert PostLetter.objects.filter(unit=org.bks, status="batched").count() == 1
    assert PostBatch.objects.get().unit == org.bks


def test_demo_without_an_organisation_skips(db):
    demo.seed(new_world(2026, log=lambda *_: None))
    assert not Message.objects.exists()

"""ETLE numbers on the public tracking page: the plate is the second factor."""

from __future__ import annotations

import pytest

from bersih.core.tracking import parse, registration_for
from bersih.etle import services
from bersih.etle.testing import event

pytestmark = pytest.mark.usefixtures("english_messages")


def test_public_timeline_needs_the_plate(etle):
    (result,) = services.captures_ingest(actor=etle.client.client, camera=etle.camera, items=[event(1)])
    number = parse(result.tracking_number)
    provider = registration_for(number).provider()
    steps = provider.public_timeline(number, "b1234fab")
    assert [step.label for step in steps] == ["Recorded by a traffic camera"]
    assert provider.public_timeline(number, "B 1234 FAC") is None
    assert provider.public_timeline(number, "") is None
    assert provider.public_timeline(parse(services.tracking_number_new()), "B 1234 FAB") is None

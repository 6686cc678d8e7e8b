"""The staff form that moves a waiting ticket into the priority lane."""

from __future__ import annotations

import pytest
from django.urls import reverse

from bersih.core.testing import sign_in
from bersih.ledger.models import Entry
from bersih.licensing.models import Counter, LineEntry, Ticket
from bersih.licensing.testing import staff

pytestmark = pytest.mark.django_db


def url(sim):
    return reverse("licensing:priority", kwargs={"unit": sim.unit.code})


def test_clerk_marks_a_waiting_ticket_for_the_priority_lane(client, sim, walk_in):
    walk_in(1)
    ticket = walk_in(2)
    clerk = sim.clerks["documents"]
    sign_in(client, clerk)
    assert client.get(reverse("licensing:priority-home"))["Location"] == url(sim)
    response = client.post(url(sim), {"label": "a 2", "reason": "elderly"})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.priority_reason == "elderly"
    assert ticket.priority_marked_by == clerk
    assert LineEntry.objects.get(ticket=ticket, state="waiting").priority is True
    entry = Entry.objects.get(action="licensing.ticket.priority_marked")
    assert entry.data["reason"] == "elderly"
    page = client.get(url(sim)).content.decode()
    assert "A-002" in page


@pytest.mark.parametrize(
    ("post", "status", "text"),
    [
        ({"label": "A-099", "reason": "elderly"}, 404, "No ticket with that number today"),
        ({"label": "A-001", "reason": "rich"}, 400, "Select a valid choice"),
        ({"label": "X" * 11, "reason": "elderly"}, 400, "at most 10"),
        ({"label": "", "reason": "elderly"}, 400, "required"),
    ],
)
def test_bad_priority_input_changes_nothing(client, sim, walk_in, english_messages, post, status, text):
    walk_in(1)
    sign_in(client, sim.clerks["registration"])
    response = client.post(url(sim), post)
    assert response.status_code == status
    assert text in response.content.decode()
    assert not Ticket.objects.exclude(priority_reason="").exists()
    assert not Entry.objects.filter(action="licensing.ticket.priority_marked").exists()


def test_a_ticket_already_called_or_already_priority_is_refused(
    client, sim, walk_in, english_messages, make_user
):
    walk_in(1, priority="pregnant")
    sign_in(client, sim.clerks["registration"])
    response = client.post(url(sim), {"label": "A-001", "reason": "elderly"})
    assert response.status_code == 409
    assert "already in the priority lane" in response.content.decode()
    assert Ticket.objects.get().priority_reason == "pregnant"

    from bersih.licensing import services

    called = walk_in(2)
    services.line_call_next(actor=sim.clerks["registration"], counter=sim.counters["registration"])
    second = Counter.objects.create(unit=sim.unit, number=20, stage="registration")
    clerk = make_user("loket-20", "counter_clerk", sim.unit)
    staff(second, clerk)
    services.line_call_next(actor=clerk, counter=second)
    called.refresh_from_db()
    assert called.state == Ticket.IN_SERVICE
    response = client.post(url(sim), {"label": "A-002", "reason": "elderly"})
    assert response.status_code == 409
    assert "Only a waiting ticket" in response.content.decode()
    assert Ticket.objects.get(pk=called.pk).priority_reason == ""


def test_anonymous_and_other_polres_and_other_roles(client, sim, org, make_user, walk_in):
    walk_in(1)
    response = client.get(url(sim))
    assert response.status_code == 302 and response["Location"].startswith(reverse("core:login"))
    sign_in(client, make_user("loket-depok", "counter_clerk", org.dpk_satpas))
    assert client.get(url(sim)).status_code == 404
    assert client.post(url(sim), {"label": "A-001", "reason": "elderly"}).status_code == 404
    sign_in(client, make_user("penyidik", "investigator", org.bks_satlantas))
    assert client.post(url(sim), {"label": "A-001", "reason": "elderly"}).status_code == 403
    assert not Ticket.objects.exclude(priority_reason="").exists()

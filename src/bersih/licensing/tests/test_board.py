"""The display board and the phone page: the calling order they show is the order calls take, the
positions and waits, the event stream, and the applicant's "tell me when I am near" message."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import AsyncClient
from django.urls import reverse
from django.utils import timezone

from bersih.ledger.models import Entry
from bersih.licensing import board_views as views
from bersih.licensing import rules, selectors, services
from bersih.licensing.models import BoardEvent, Counter, LineEntry, Ticket
from bersih.licensing.services.line import call_order
from bersih.licensing.testing import satpas, staff
from bersih.notify.models import Message

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_messages")]


def call(sim, stage="registration", now=None):
    return services.line_call_next(actor=sim.clerks[stage], counter=sim.counters[stage], now=now)


def finish(sim, entry, now=None):
    return services.line_finish(actor=sim.clerks[entry.stage], entry=entry, now=now)


def mixed_line(walk_in, regular=4, priority=5):
    """Regular and priority tickets, interleaved in arrival."""
    tickets = []
    for n in range(max(regular, priority)):
        if n < regular:
            tickets.append(walk_in(n))
        if n < priority:
            tickets.append(walk_in(100 + n, priority="elderly"))
    return tickets


def served_order(sim, count):
    order = []
    for _ in range(count):
        entry = call(sim)
        order.append(entry.ticket.label)
        finish(sim, entry)
    return order


# --- The calling order ----------------------------------------------------------------------------


def test_call_order_serves_the_priority_lane_first_and_never_starves_the_regular_line():
    limit = rules.PRIORITY_STREAK_LIMIT
    order = call_order(["p1", "p2", "p3", "p4", "p5"], ["r1", "r2"], streak=0)
    assert [item for item, _lane in order] == ["p1", "p2", "p3", "r1", "p4", "p5", "r2"][: len(order)]
    assert limit == 3  # the expectation above is written for the rule's current value
    # A streak carried over from earlier calls counts; an empty regular line never stops the lane.
    assert [item for item, _ in call_order(["p1", "p2"], ["r1"], streak=limit)] == ["r1", "p1", "p2"]
    assert [item for item, _ in call_order(["p1", "p2", "p3", "p4"], [], streak=limit)] == [
        "p1",
        "p2",
        "p3",
        "p4",
    ]
    assert call_order([], [], streak=0) == []
    assert len(call_order(["p1", "p2"], ["r1", "r2"], streak=0, limit=3)) == 3


def test_the_board_shows_the_next_numbers_in_the_order_the_counter_calls_them(sim, walk_in):
    mixed_line(walk_in, regular=4, priority=5)
    # Start from a line whose streak is already running: two priority calls happened.
    served = served_order(sim, 2)
    shown = next(s for s in selectors.board_state(sim.unit).stages if s.stage == "registration")
    assert shown.waiting == 7
    assert len(shown.next) == selectors.BOARD_NEXT_COUNT
    assert served_order(sim, 7)[: len(shown.next)] == shown.next
    assert len(served) == 2


def test_positions_match_the_calling_order_and_the_wait_uses_the_default_without_data(sim, walk_in):
    tickets = mixed_line(walk_in, regular=3, priority=4)
    call(sim)  # one priority call: the streak is 1
    positions = {t.label: selectors.ticket_position(t) for t in tickets if t.pk != tickets[1].pk}
    for ticket in tickets:
        ticket.refresh_from_db()
    expected = served_order_after_current(sim, len(tickets))
    for places, label in enumerate(expected):
        assert positions[label].places_ahead == places, label
        assert positions[label].state == "waiting"
        assert positions[label].stage == "registration"
        minutes = rules.EXPECTED_SERVICE_MINUTES["registration"]
        assert positions[label].wait_minutes == places * minutes  # one counter staffed


def served_order_after_current(sim, count):
    entry = LineEntry.objects.get(state="called", counter=sim.counters["registration"])
    finish(sim, entry)
    order = []
    while (entry := call(sim)) is not None:
        order.append(entry.ticket.label)
        finish(sim, entry)
    return order[:count]


def test_the_wait_is_the_median_service_time_times_places_divided_by_counters(sim, make_user, walk_in):
    second = Counter.objects.create(unit=sim.unit, number=20, stage="registration")
    staff(second, make_user("loket-kedua", "counter_clerk", sim.unit))  # two registration counters
    Counter.objects.create(unit=sim.unit, number=21, stage="registration")  # nobody staffs this one
    start = timezone.make_aware(datetime.combine(timezone.localdate(), time(9, 0)))  # today, in WIB
    tickets = [walk_in(n, now=start) for n in range(7)]
    # Three applicants served in 2, 4 and 10 minutes: the median is 4 minutes.
    for n, minutes in enumerate((2, 4, 10)):
        called_at = start + timedelta(minutes=20 * n)
        entry = call(sim, now=called_at)
        finish(sim, entry, now=called_at + timedelta(minutes=minutes))
    last = tickets[-1]
    position = selectors.ticket_position(last)
    assert position.places_ahead == 3
    assert position.wait_minutes == 4 * 3 / 2  # 4 minutes, 3 places, 2 counters


def test_a_called_ticket_shows_its_counter_and_a_closed_one_its_state(sim, walk_in):
    ticket = walk_in(1)
    call(sim)
    position = selectors.ticket_position(ticket)
    assert position.state == "called" and position.counter == sim.counters["registration"].number
    assert position.places_ahead is None
    Ticket.objects.filter(pk=ticket.pk).update(state=Ticket.EXPIRED)
    ticket.refresh_from_db()
    closed = selectors.ticket_position(ticket)
    assert closed.state == Ticket.EXPIRED and not closed.open


def test_board_state_and_positions_take_a_fixed_number_of_queries(sim, walk_in, django_assert_num_queries):
    tickets = [walk_in(n) for n in range(3)]
    with django_assert_num_queries(6):
        selectors.board_state(sim.unit)
    with django_assert_num_queries(5):
        selectors.ticket_position(tickets[-1])
    tickets += [walk_in(10 + n, priority="pregnant" if n % 3 else "") for n in range(12)]
    finish(sim, call(sim))
    call(sim)
    with django_assert_num_queries(6):
        state = selectors.board_state(sim.unit)
    with django_assert_num_queries(5):
        selectors.ticket_position(tickets[-1])
    serving = {c.number: c.serving for c in state.counters}
    called = LineEntry.objects.get(state="called")
    assert serving[called.counter.number] == called.ticket.label


# --- The board page and its stream ---------------------------------------------------------------


def test_the_board_page_is_public_and_shows_the_numbers(client, sim, walk_in):
    tickets = [walk_in(n) for n in range(3)]
    call(sim)
    response = client.get(reverse("licensing:board", kwargs={"unit_code": sim.unit.code}))
    assert response.status_code == 200
    html = response.content.decode()
    assert tickets[0].label in html and tickets[1].label in html
    assert 'http-equiv="refresh"' in html  # without JavaScript it reloads itself
    assert "licensing/board.js" in html and "<script>" not in html
    assert "Pemohon" not in html
    other = client.get(reverse("licensing:board", kwargs={"unit_code": "no-such-unit"}))
    assert other.status_code == 404
    without_counters = client.get(reverse("licensing:board", kwargs={"unit_code": "bks-satlantas"}))
    assert without_counters.status_code == 404


def read_stream(response) -> str:
    return b"".join(response.streaming_content).decode()


@pytest.fixture
def short_stream(monkeypatch):
    monkeypatch.setattr(views, "STREAM_LIFETIME_SECONDS_WSGI", 0.05)
    monkeypatch.setattr(views, "STREAM_LIFETIME_SECONDS", 0.05)
    monkeypatch.setattr(views, "STREAM_POLL_SECONDS", 0.01)


def event_ids(text: str) -> list[int]:
    return [int(line[4:]) for line in text.splitlines() if line.startswith("id: ")]


@pytest.mark.usefixtures("short_stream")
def test_the_stream_sends_this_units_events_after_the_last_event_id(client, sim, walk_in, org, make_user):
    walk_in(1), walk_in(2)
    mark = BoardEvent.objects.filter(unit=sim.unit).latest("id").pk
    call(sim)
    # Another Satpas's call is not on this board.
    elsewhere = satpas(org.dpk_satlantas, make_user, prefix="depok")
    BoardEvent.objects.create(
        unit=elsewhere.unit,
        at=timezone.now(),
        kind="call",
        ticket=Ticket.objects.first(),
        label="Z-999",
        stage="registration",
        counter_number=1,
    )
    url = reverse("licensing:board-stream", kwargs={"unit_code": sim.unit.code})
    response = client.get(url, HTTP_LAST_EVENT_ID=str(mark))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/event-stream")
    assert response.streaming
    text = read_stream(response)
    mine = list(BoardEvent.objects.filter(unit=sim.unit, id__gt=mark).values_list("id", flat=True))
    assert mine and event_ids(text) == mine
    assert "Z-999" not in text
    assert text.startswith("retry: ")
    assert '"kind":"call"' in text and '"speak":true' in text
    assert "event: state" in text
    # The query parameter does the same; the header wins when both are given.
    assert event_ids(read_stream(client.get(url, {"last": mark}))) == mine
    assert event_ids(read_stream(client.get(url, {"last": 0}, HTTP_LAST_EVENT_ID=str(mine[-1])))) == []
    # A new board without an id starts from now: it is not read the day's calls again.
    assert event_ids(read_stream(client.get(url))) == []


@pytest.mark.django_db(transaction=True)  # the ASGI handler reads in threads of its own
@pytest.mark.usefixtures("short_stream")
def test_the_stream_is_an_async_generator_under_the_asgi_server(sim, walk_in):
    walk_in(1)
    mark = BoardEvent.objects.latest("id").pk
    call(sim)
    url = reverse("licensing:board-stream", kwargs={"unit_code": sim.unit.code})

    async def fetch():
        response = await AsyncClient().get(url, headers={"Last-Event-ID": str(mark)})
        assert response.is_async
        return response["Content-Type"], b"".join([part async for part in response.streaming_content])

    # In a thread of its own: a browser test earlier in the session may hold this thread's event loop.
    with ThreadPoolExecutor(1) as pool:
        content_type, body = pool.submit(asyncio.run, fetch()).result()
    assert content_type.startswith("text/event-stream")
    assert event_ids(body.decode()) == [BoardEvent.objects.latest("id").pk]


@pytest.mark.usefixtures("short_stream")
def test_a_client_reconnecting_in_a_loop_is_slowed_down(client, sim, settings, monkeypatch):
    settings.RATE_LIMITS_ENABLED = True
    monkeypatch.setattr(views, "STREAM_CONNECTS_PER_MINUTE", 2)
    url = reverse("licensing:board-stream", kwargs={"unit_code": sim.unit.code})
    answers = [client.get(url) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert "Retry-After" in answers[2]


def test_an_old_event_is_shown_but_not_spoken(sim, walk_in):
    walk_in(1)
    mark = BoardEvent.objects.latest("id").pk
    call(sim)
    BoardEvent.objects.filter(pk__gt=mark).update(at=timezone.now() - timedelta(minutes=10))
    feed = views.BoardFeed(sim.unit, mark, "en")
    text = feed.poll()
    assert '"kind":"call"' in text and '"speak":false' in text
    assert feed.last == BoardEvent.objects.latest("id").pk
    assert feed.poll() == ""  # nothing new


def test_a_quiet_stream_sends_heartbeats(sim, monkeypatch):
    monkeypatch.setattr(views, "STREAM_HEARTBEAT_SECONDS", 0)
    feed = views.BoardFeed(sim.unit, None, "en")
    parts = list(views.stream_sync(feed, lifetime=0.05, poll=0.01))
    assert parts[0].startswith("retry: ")
    assert ": heartbeat\n\n" in parts


# --- The phone page ------------------------------------------------------------------------------


def test_the_phone_page_shows_the_place_and_no_identity(client, sim, walk_in):
    tickets = [walk_in(n) for n in range(3)]
    ticket = tickets[2]
    url = reverse("licensing:ticket-phone", kwargs={"token": ticket.public_token})
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    application = ticket.application
    assert ticket.label in html and "Places ahead of you" in html
    for secret in (application.full_name, application.nik, application.phone, application.tracking_number):
        assert secret not in html
    status = client.get(reverse("licensing:ticket-phone-status", kwargs={"token": ticket.public_token}))
    assert status.json()["places_ahead"] == 2 and status.json()["label"] == ticket.label
    assert application.full_name not in status.content.decode()
    assert client.get(reverse("licensing:ticket-phone", kwargs={"token": "not-a-token"})).status_code == 404
    missing = reverse("licensing:ticket-phone-status", kwargs={"token": "not-a-token"})
    assert client.get(missing).status_code == 404


def test_the_phone_page_says_which_counter_calls(client, sim, walk_in):
    ticket = walk_in(1)
    call(sim)
    response = client.get(reverse("licensing:ticket-phone", kwargs={"token": ticket.public_token}))
    number = sim.counters["registration"].number
    assert f"Please go to counter {number} now" in response.content.decode()


# --- "Tell me when I am near" --------------------------------------------------------------------


def near_messages(ticket):
    return Message.objects.filter(idempotency_key=f"licensing:ticket:{ticket.pk}:near")


def test_the_near_message_is_queued_once_when_the_ticket_comes_within_reach(sim, walk_in):
    tickets = [walk_in(n) for n in range(rules.NEAR_PLACES + 4)]
    last = tickets[-1]
    services.ticket_notify_near_request(ticket=last, channel="whatsapp", recipient="0812-3456-7890")
    last.refresh_from_db()
    assert last.near_channel == "whatsapp" and last.near_recipient == "+6281234567890"
    assert not near_messages(last).exists()  # 8 places ahead: not yet
    assert Entry.objects.filter(action="licensing.ticket.near_requested", subject_id=str(last.pk)).exists()
    for _ in range(2):
        finish(sim, call(sim))
    assert not near_messages(last).exists()  # 6 ahead
    finish(sim, call(sim))  # 5 ahead: now
    message = near_messages(last).get()
    assert message.channel == "whatsapp" and message.recipient == "+6281234567890"
    assert last.label in message.body and last.application.full_name not in message.body
    last.refresh_from_db()
    assert last.near_notified_at is not None
    for _ in range(3):
        finish(sim, call(sim))
    assert near_messages(last).count() == 1
    # Tickets that did not ask get nothing.
    assert not Message.objects.filter(idempotency_key__startswith="licensing:ticket:").exclude(
        idempotency_key=f"licensing:ticket:{last.pk}:near"
    )


def test_a_ticket_already_near_is_told_at_once_by_sms(sim, walk_in):
    tickets = [walk_in(n) for n in range(3)]
    services.ticket_notify_near_request(ticket=tickets[2], channel="sms", recipient="+62 812 3456 7890")
    message = near_messages(tickets[2]).get()
    assert message.channel == "sms" and "tinggal 2 lagi" in message.body


def test_an_invalid_near_request_is_refused_and_changes_nothing(sim, walk_in):
    ticket = walk_in(1)
    ledger_before = Entry.objects.count()
    for channel, recipient in (
        ("sms", "12345"),
        ("sms", ""),
        ("email", "a@example.org"),
        ("whatsapp", "abc"),
    ):
        with pytest.raises(ValidationError):
            services.ticket_notify_near_request(ticket=ticket, channel=channel, recipient=recipient)
    ticket.refresh_from_db()
    assert ticket.near_channel == "" and ticket.near_recipient == ""
    assert Entry.objects.count() == ledger_before and not Message.objects.exists()
    services.ticket_notify_near_request(ticket=ticket, channel="sms", recipient="081234567890")
    with pytest.raises(ValidationError) as exc:
        services.ticket_notify_near_request(ticket=ticket, channel="sms", recipient="081234567891")
    assert exc.value.code == "already_requested"
    other = walk_in(2)
    Ticket.objects.filter(pk=other.pk).update(state=Ticket.CANCELLED)
    with pytest.raises(ValidationError) as exc:
        services.ticket_notify_near_request(ticket=other, channel="sms", recipient="081234567890")
    assert exc.value.code == "ticket_closed"


def test_the_phone_page_form_asks_for_the_message(client, sim, walk_in):
    ticket = walk_in(1)
    url = reverse("licensing:ticket-phone", kwargs={"token": ticket.public_token})
    refused = client.post(url, {"channel": "sms", "recipient": "12"})
    assert refused.status_code == 400
    assert "phone number" in refused.content.decode()
    ticket.refresh_from_db()
    assert ticket.near_channel == ""
    answer = client.post(url, {"channel": "whatsapp", "recipient": "0812 3456 7890"})
    assert answer.status_code == 302 and answer["Location"] == url
    ticket.refresh_from_db()
    assert ticket.near_channel == "whatsapp"
    assert near_messages(ticket).count() == 1  # first in line: told at once
    page = client.get(url).content.decode()
    assert "Send me a message" not in page and "The message has been sent." in page

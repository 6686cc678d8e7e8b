"""Online pre-registration (public): slots with their free places, the booking, its confirmation."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from bersih.ledger.models import Entry
from bersih.licensing import rules, selectors, services
from bersih.licensing.models import Application
from bersih.licensing.testing import nik_for
from bersih.licensing.views import BOOKINGS_PER_HOUR
from bersih.notify.models import Message

pytestmark = pytest.mark.django_db

MONDAY = date(2026, 12, 7)
SATURDAY = date(2026, 12, 5)
URL = "/sim/daftar/"


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


@pytest.fixture
def friday(time_machine):
    """Friday 4 December 2026, 10:00 WIB: Monday's slots are all open."""
    time_machine.move_to(at(date(2026, 12, 4), 10))


def data(n=1, slot="2026-12-07T09:00", **overrides) -> dict:
    values = {
        "satpas": "bks-satpas",
        "service": "new",
        "sim_class": "A",
        "slot": slot,
        "nik": nik_for(n),
        "full_name": f"Pemohon Daring {n}",
        "birth_date": "1990-05-17",
        "phone": "0812-3456-7890",
        "email": "pemohon@example.id",
    }
    values.update(overrides)
    return {key: value for key, value in values.items() if value is not None}


def book_directly(sim, n, slot=time(9), day=MONDAY):
    return services.application_book(
        unit=sim.unit,
        nik=nik_for(n),
        full_name=f"Pemohon {n}",
        birth_date=date(1990, 5, 17),
        service="new",
        sim_class="C",
        booked_day=day,
        booked_slot=slot,
        email=f"p{n}@example.id",
    )


def test_booking_page_is_public_and_shows_places_left(client, sim, friday):
    book_directly(sim, 1)
    book_directly(sim, 2)
    response = client.get(URL, {"satpas": sim.unit.code})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'value="2026-12-07T09:00"' in page
    assert f'data-remaining="{rules.SLOT_QUOTA - 2}"' in page
    # Weekdays only, from today: Friday's later hours, then Monday; no Saturday or Sunday.
    assert 'value="2026-12-04T14:00"' in page
    assert 'value="2026-12-05T' not in page
    assert 'value="2026-12-06T' not in page
    # Friday's 08:00 and 09:00 slots are over: shown, not choosable.
    assert 'value="2026-12-04T08:00" disabled' in page


def test_slots_selector_counts_live_bookings_only(sim, friday):
    kept = book_directly(sim, 1)
    cancelled = book_directly(sim, 2)
    Application.objects.filter(pk=cancelled.pk).update(status=Application.CANCELLED)
    slot = next(s for s in selectors.slots(sim.unit) if s.day == MONDAY and s.start == time(9))
    assert (slot.taken, slot.remaining, slot.open) == (1, rules.SLOT_QUOTA - 1, True)
    assert kept.status == Application.BOOKED
    days = {s.day for s in selectors.slots(sim.unit)}
    assert all(day.weekday() < 5 for day in days)
    assert max(days) <= date(2026, 12, 4 + rules.BOOKING_DAYS_AHEAD)


def test_online_booking_gives_a_number_qr_and_confirmations(client, sim, friday):
    response = client.post(URL, data(1))
    assert response.status_code == 302
    assert response["Location"] == reverse("licensing:booking-done")
    application = Application.objects.get()
    assert application.channel == Application.ONLINE
    assert application.status == Application.BOOKED
    assert (application.booked_day, application.booked_slot) == (MONDAY, time(9))
    assert application.phone == "+6281234567890"
    assert application.fee == 120_000
    entry = Entry.objects.get(action="licensing.application.registered")
    assert entry.actor_label == "applicant (public booking page)"
    messages = {m.channel: m for m in Message.objects.filter(template=services.BOOKING_TEMPLATE)}
    assert set(messages) == {"sms", "whatsapp", "email"}
    assert messages["sms"].recipient == "+6281234567890"
    assert messages["email"].recipient == "pemohon@example.id"
    for message in messages.values():
        assert application.tracking_number in message.body
        assert "07-12-2026" in message.body
        assert message.language == "id"
    assert "pukul 09:00" in messages["sms"].body

    page = client.get(response["Location"])
    content = page.content.decode()
    assert application.tracking_number in content
    from bersih.licensing.views import qr_svg

    assert qr_svg(application.tracking_number) in content
    assert "Rp120.000" in content


def test_confirmation_page_is_only_for_the_browser_that_booked(client, sim, friday):
    book_directly(sim, 1)
    response = client.get(reverse("licensing:booking-done"))
    assert response.status_code == 302
    assert response["Location"] == URL


def test_phone_only_or_email_only_queues_those_channels(client, sim, friday):
    client.post(URL, data(1, email=""))
    assert set(Message.objects.values_list("channel", flat=True)) == {"sms", "whatsapp"}
    client.post(URL, data(2, phone=""))
    assert Message.objects.filter(channel="email").count() == 1


@pytest.mark.parametrize(
    ("overrides", "field", "text"),
    [
        ({"nik": "3275011705"}, "nik", "A NIK is 16 digits"),
        ({"nik": "3275013213900001"}, "nik", "not a date of birth"),
        ({"birth_date": "2010-01-01"}, "birth_date", "at least 17"),
        ({"full_name": "x" * 161}, "full_name", "at most 160"),
        ({"email": "x" * 250 + "@example.id"}, "email", "at most 254"),
        ({"phone": "12", "email": ""}, "phone", ""),
        ({"phone": "", "email": ""}, None, "phone number or an e-mail"),
        ({"slot": "2026-12-05T09:00"}, "slot", "Select a valid choice"),  # a Saturday
        ({"slot": "2026-12-04T08:00"}, "slot", "Select a valid choice"),  # already over
        ({"slot": "2026-12-31T09:00"}, "slot", "Select a valid choice"),  # beyond the days ahead
        ({"slot": "2026-12-07T17:00"}, "slot", "Select a valid choice"),  # not a service hour
        ({"service": "broker"}, "service", "Select a valid choice"),
    ],
)
def test_bad_booking_input_is_refused_and_nothing_is_stored(
    client, sim, friday, english_messages, overrides, field, text
):
    response = client.post(URL, data(1, **overrides))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors if field else errors.get("__all__")
    assert text in " ".join(errors.get(field or "__all__", []))
    assert not Application.objects.exists()
    assert not Message.objects.exists()


def test_weekend_and_over_slots_are_refused_by_the_service_too(sim, friday, english_messages):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="Saturdays and Sundays"):
        book_directly(sim, 1, day=SATURDAY)
    with pytest.raises(ValidationError, match="already over"):
        book_directly(sim, 1, day=date(2026, 12, 4), slot=time(8))
    assert not Application.objects.exists()


def test_second_active_application_is_refused(client, sim, friday, english_messages):
    first = book_directly(sim, 1)
    response = client.post(URL, data(1, slot="2026-12-08T10:00"))
    assert response.status_code == 400
    assert "already has an application in progress" in " ".join(response.context["form"].errors["nik"])
    # A public page does not name the other application (with the NIK its number opens the timeline).
    assert first.tracking_number not in response.content.decode()
    assert Application.objects.count() == 1
    assert Message.objects.filter(subject_ref=first.tracking_number).count() == 1  # its own e-mail only


def test_full_slot_is_refused(client, sim, friday, english_messages):
    for n in range(rules.SLOT_QUOTA):
        book_directly(sim, n + 10)
    page = client.get(URL, {"satpas": sim.unit.code}).content.decode()
    assert 'value="2026-12-07T09:00" disabled' in page
    response = client.post(URL, data(1))
    assert response.status_code == 400
    assert "slot" in response.context["form"].errors
    assert Application.objects.count() == rules.SLOT_QUOTA


def test_full_slot_taken_between_page_and_submit_is_refused_by_the_service(
    client, sim, friday, english_messages, monkeypatch
):
    """The form offered the slot; the last place went meanwhile: the service's locked count refuses."""
    offered = selectors.slots(sim.unit)
    monkeypatch.setattr(selectors, "slots", lambda unit, now=None: offered)
    for n in range(rules.SLOT_QUOTA):
        book_directly(sim, n + 10)
    response = client.post(URL, data(1))
    assert response.status_code == 400
    assert "full" in " ".join(response.context["form"].errors["slot"])
    assert Application.objects.count() == rules.SLOT_QUOTA


def test_unknown_satpas_is_404_and_non_satpas_units_are_not_offered(client, sim, org, friday):
    assert client.get(URL, {"satpas": org.bks_satlantas.code}).status_code == 404
    assert client.post(URL, data(1, satpas=org.bks_satlantas.code)).status_code == 404
    assert client.post(URL, data(1, satpas="nowhere")).status_code == 404
    page = client.get(URL).content.decode()
    assert org.bks_satpas.name in page and org.dpk_satpas.name in page
    assert org.bks_satlantas.name not in page
    assert not Application.objects.exists()


def test_booking_form_is_rate_limited(client, sim, friday, settings):
    settings.RATE_LIMITS_ENABLED = True
    cache.clear()
    for n in range(BOOKINGS_PER_HOUR):
        client.post(URL, data(n + 1, nik="1"))  # refused input still counts
    response = client.post(URL, data(99))
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert not Application.objects.exists()
    cache.clear()

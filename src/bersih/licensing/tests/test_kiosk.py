"""The hall's kiosk: walk-in tickets, check-in of online bookings, the ticket page and its fallbacks."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from bersih.core.testing import sign_in
from bersih.ledger.models import Entry
from bersih.licensing import services
from bersih.licensing.models import Application, LineEntry, Ticket
from bersih.licensing.testing import nik_for
from bersih.licensing.tests.test_printing import pdf_text
from bersih.licensing.views import qr_svg

pytestmark = pytest.mark.django_db

# A Monday in WIB, before the first slot: every slot of the day is still bookable.
MONDAY = date(2026, 12, 7)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


@pytest.fixture
def kiosk(client, sim):
    """The hall's kiosk device, signed in as a clerk of the Bekasi Satpas."""
    sign_in(client, sim.clerks["registration"])
    return client


def kiosk_url(sim, name="licensing:kiosk", **kwargs):
    return reverse(name, kwargs={"unit": sim.unit.code, **kwargs})


def walk_in_data(n: int = 1, **overrides) -> dict:
    data = {
        "service": "new",
        "sim_class": "C",
        "nik": nik_for(n),
        "full_name": f"Pemohon {n}",
        "birth_date": "1990-05-17",
        "phone": "0812 3456 7890",
    }
    data.update(overrides)
    return data


# --- Who may use it -------------------------------------------------------------------------------


def test_anonymous_visitor_is_sent_to_sign_in(client, sim):
    for url in (reverse("licensing:kiosk-home"), kiosk_url(sim), kiosk_url(sim, "licensing:kiosk-checkin")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("core:login"))
    response = client.post(kiosk_url(sim), walk_in_data())
    assert response.status_code == 302
    assert not Application.objects.exists()


def test_kiosk_home_goes_to_the_accounts_only_satpas(kiosk, sim):
    response = kiosk.get(reverse("licensing:kiosk-home"))
    assert response.status_code == 302
    assert response["Location"] == kiosk_url(sim)
    response = kiosk.get(reverse("licensing:kiosk-checkin-home"))
    assert response["Location"] == kiosk_url(sim, "licensing:kiosk-checkin")


def test_clerk_of_another_polres_gets_404_for_this_satpas(client, sim, org, make_user):
    depok = make_user("loket-depok", "counter_clerk", org.dpk_satpas)
    sign_in(client, depok)
    assert client.get(kiosk_url(sim)).status_code == 404
    assert client.post(kiosk_url(sim), walk_in_data()).status_code == 404
    assert client.get(kiosk_url(sim, "licensing:kiosk-checkin")).status_code == 404
    assert not Application.objects.exists()
    # ... and their own Satpas works.
    assert client.get(reverse("licensing:kiosk", kwargs={"unit": org.dpk_satpas.code})).status_code == 200


def test_a_ticket_of_this_satpas_is_404_to_another_polres(client, sim, org, make_user, walk_in):
    ticket = walk_in(1)
    sign_in(client, make_user("loket-depok", "counter_clerk", org.dpk_satpas))
    for name in ("licensing:kiosk-ticket", "licensing:kiosk-ticket-pdf"):
        url = reverse(name, kwargs={"unit": sim.unit.code, "token": ticket.public_token})
        assert client.get(url).status_code == 404
    # The token under the other Satpas's own kiosk is not found either.
    url = reverse(
        "licensing:kiosk-ticket", kwargs={"unit": org.dpk_satpas.code, "token": ticket.public_token}
    )
    assert client.get(url).status_code == 404


def test_staff_without_the_permission_are_refused(client, sim, org, make_user):
    sign_in(client, make_user("penyidik", "investigator", org.bks_satlantas))
    assert client.get(kiosk_url(sim)).status_code == 403
    assert client.post(kiosk_url(sim), walk_in_data()).status_code == 403
    assert not Application.objects.exists()


# --- A walk-in ticket -------------------------------------------------------------------------------


def test_kiosk_page_is_indonesian_with_large_choices(kiosk, sim):
    response = kiosk.get(kiosk_url(sim))
    assert response.status_code == 200
    page = response.content.decode()
    assert response["Content-Language"] == "id"
    assert "Ambil nomor antrean" in page
    assert page.count('class="kiosk-choice__option"') == 3 + 9  # three services, nine classes
    assert "kiosk.css" in page


def test_walk_in_gets_a_ticket_and_the_ticket_page(kiosk, sim):
    response = kiosk.post(kiosk_url(sim), walk_in_data(1))
    application = Application.objects.get()
    ticket = Ticket.objects.get()
    assert application.channel == Application.WALK_IN
    assert application.status == Application.ACTIVE
    assert application.phone == "+6281234567890"  # one format, for the shared-contact signal
    assert ticket.label == "A-001"
    assert ticket.stage == "registration"
    assert ticket.issued_by == sim.clerks["registration"]
    assert LineEntry.objects.get(ticket=ticket).state == LineEntry.WAITING
    assert Entry.objects.filter(action="licensing.ticket.issued").count() == 1
    # No printer configured: the ticket page offers its print view and the PDF.
    assert response.status_code == 302
    assert response["Location"] == kiosk_url(sim, "licensing:kiosk-ticket", token=ticket.public_token) + (
        "?cetak=none"
    )
    page = kiosk.get(response["Location"]).content.decode()
    assert "A-001" in page
    assert "data-print" in page
    assert (
        reverse("licensing:kiosk-ticket-pdf", kwargs={"unit": sim.unit.code, "token": ticket.public_token})
        in page
    )
    # The QR code is the phone page's address.
    phone_url = "http://testserver" + reverse("licensing:ticket-phone", kwargs={"token": ticket.public_token})
    assert qr_svg(phone_url, scale=4) in page
    assert "Tidak ada biaya di luar PNBP." in page

    # A second walk-in of another service gets that service's letter.
    kiosk.post(kiosk_url(sim), walk_in_data(2, service="renewal", sim_class="A"))
    assert Ticket.objects.order_by("id").last().label == "B-001"


def test_ticket_pdf_is_a_receipt_sized_pdf(kiosk, sim, walk_in):
    ticket = walk_in(1)
    response = kiosk.get(kiosk_url(sim, "licensing:kiosk-ticket-pdf", token=ticket.public_token))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    body = response.content
    assert body.startswith(b"%PDF")
    assert b"/MediaBox [ 0 0 226.7717" in body  # 80 mm wide
    text = pdf_text(body)
    assert b"(A-001) Tj" in text
    assert b"(Nomor antrean) Tj" in text


@pytest.mark.parametrize(
    ("overrides", "field", "text"),
    [
        ({"nik": "1234"}, "nik", "A NIK is 16 digits"),
        ({"nik": "9975011705900001"}, "nik", "not a region code"),
        ({"nik": "3275013205900001"}, "nik", "not a date of birth"),
        ({"birth_date": "2012-01-01"}, "birth_date", "at least 17"),
        ({"full_name": "x" * 161}, "full_name", "at most 160"),
        ({"phone": "0" * 25}, "phone", "at most 24"),
        ({"phone": "12"}, "phone", ""),
        ({"service": "broker"}, "service", "Select a valid choice"),
        ({"sim_class": "Z"}, "sim_class", "Select a valid choice"),
    ],
)
def test_bad_walk_in_input_is_refused_and_nothing_is_issued(
    kiosk, sim, english_messages, overrides, field, text
):
    response = kiosk.post(kiosk_url(sim), walk_in_data(1, **overrides))
    assert response.status_code == 400
    errors = " ".join(response.context["form"].errors.get(field, []))
    assert text in errors
    assert not Application.objects.exists()
    assert not Ticket.objects.exists()


def test_second_active_application_of_a_nik_is_refused(kiosk, sim, english_messages, walk_in):
    first = walk_in(1)
    response = kiosk.post(kiosk_url(sim), walk_in_data(1, service="renewal"))
    assert response.status_code == 400
    assert first.application.tracking_number in response.content.decode()
    assert Application.objects.count() == 1
    assert Ticket.objects.count() == 1


# --- Check-in of an online booking ------------------------------------------------------------------


def book(sim, n=1, day=MONDAY, slot=time(9), now=None):
    return services.application_book(
        unit=sim.unit,
        nik=nik_for(n),
        full_name=f"Pemohon Daring {n}",
        birth_date=date(1990, 5, 17),
        service="new",
        sim_class="C",
        booked_day=day,
        booked_slot=slot,
        phone="081234567890",
        now=now or at(day, 7),
    )


def checkin(client, sim, number):
    return client.post(kiosk_url(sim, "licensing:kiosk-checkin"), {"tracking_number": number})


def kiosk_at(client, sim, time_machine, moment):
    """The kiosk at ``moment`` (signed in then: an idle staff session would have expired)."""
    time_machine.move_to(moment)
    sign_in(client, sim.clerks["registration"])
    return client


def test_check_in_gives_the_booked_applicant_a_ticket(client, sim, time_machine):
    application = book(sim)
    kiosk = kiosk_at(client, sim, time_machine, at(MONDAY, 8, 30))
    # The scanner (or the applicant) types the number in any case, with spaces.
    response = checkin(kiosk, sim, application.tracking_number.lower().replace("-", " "))
    ticket = Ticket.objects.get(application=application)
    assert response.status_code == 302
    assert response["Location"].startswith(
        kiosk_url(sim, "licensing:kiosk-ticket", token=ticket.public_token)
    )
    application.refresh_from_db()
    assert application.status == Application.ACTIVE
    assert Entry.objects.filter(action="licensing.application.checked_in").count() == 1


def test_double_check_in_is_refused_and_changes_nothing(client, sim, english_messages, time_machine):
    application = book(sim)
    kiosk = kiosk_at(client, sim, time_machine, at(MONDAY, 9, 10))
    checkin(kiosk, sim, application.tracking_number)
    entries = Entry.objects.count()
    response = checkin(kiosk, sim, application.tracking_number)
    assert response.status_code == 409
    assert "already checked in" in " ".join(response.context["form"].errors["tracking_number"])
    assert Ticket.objects.filter(application=application).count() == 1
    assert Entry.objects.count() == entries


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        (at(MONDAY - timedelta(days=3), 9), "not today"),  # the Friday before: a booking for another day
        (at(MONDAY, 7, 30), "opens one hour before"),  # too early
        (at(MONDAY, 11, 5), "slot has passed"),  # expired slot
    ],
)
def test_check_in_outside_the_window_is_refused(client, sim, english_messages, time_machine, moment, text):
    application = book(sim, now=at(MONDAY - timedelta(days=3), 7))
    kiosk = kiosk_at(client, sim, time_machine, moment)
    entries = Entry.objects.count()
    response = checkin(kiosk, sim, application.tracking_number)
    assert response.status_code == 409
    assert text in " ".join(response.context["form"].errors["tracking_number"])
    application.refresh_from_db()
    assert application.status == Application.BOOKED
    assert not Ticket.objects.exists()
    assert Entry.objects.count() == entries


def test_check_in_of_an_unknown_or_mistyped_number(kiosk, sim, english_messages):
    from bersih.core.tracking import new_tracking_number

    response = checkin(kiosk, sim, new_tracking_number("SIM"))
    assert response.status_code == 404
    assert "No booking with that tracking number" in " ".join(
        response.context["form"].errors["tracking_number"]
    )
    response = checkin(kiosk, sim, "SIM-2026-ABCDE-FGHJK-0")
    assert response.status_code == 400
    assert response.context["form"].errors["tracking_number"]
    assert checkin(kiosk, sim, "").status_code == 400
    assert checkin(kiosk, sim, "X" * 41).status_code == 400
    assert not Ticket.objects.exists()


def test_check_in_at_another_satpas_is_refused(client, sim, org, make_user, english_messages, time_machine):
    application = book(sim)
    time_machine.move_to(at(MONDAY, 9))  # signed in below, after the clock moved
    sign_in(client, make_user("loket-depok", "counter_clerk", org.dpk_satpas))
    url = reverse("licensing:kiosk-checkin", kwargs={"unit": org.dpk_satpas.code})
    response = client.post(url, {"tracking_number": application.tracking_number})
    assert response.status_code == 404
    assert "at this Satpas" in " ".join(response.context["form"].errors["tracking_number"])
    application.refresh_from_db()
    assert application.status == Application.BOOKED
    assert not Ticket.objects.exists()


def test_staff_home_offers_the_kiosk_and_priority_lane_to_satpas_staff_only(client, sim, org, make_user):
    sign_in(client, sim.clerks["registration"])
    page = client.get(reverse("core:staff-home")).content.decode()
    assert reverse("licensing:kiosk-home") in page
    assert reverse("licensing:priority-home") in page
    sign_in(client, make_user("penyidik", "investigator", org.bks_satlantas))
    page = client.get(reverse("core:staff-home")).content.decode()
    assert reverse("licensing:kiosk-home") not in page

"""The counter screen: who sees it, what it shows per stage, each button's effect and its refusals."""

from __future__ import annotations

import pytest
from django.test import Client

from bersih.core.testing import sign_in
from bersih.ledger.models import Entry
from bersih.licensing import rules, services
from bersih.licensing.models import Application, Counter, FeePayment, LineEntry, Ticket
from bersih.licensing.testing import staff

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_messages")]

URL = "/sim/staf/loket/"


def act_url(entry, act):
    return f"{URL}{entry.pk}/{act}/"


@pytest.fixture
def clerk(client, sim):
    """The registration clerk, signed in."""
    sign_in(client, sim.clerks["registration"])
    return client


def call_at(client, counter):
    return client.post(f"{URL}panggil/", {"counter": counter.pk}, follow=True)


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


def called(sim, stage):
    return services.line_call_next(actor=sim.clerks[stage], counter=sim.counters[stage])


def advance_to(sim, ticket, stage):
    """Serve ``ticket`` through every stage before ``stage`` (each counter calls and finishes)."""
    for before in rules.stages_for(ticket.application.service):
        if before == stage:
            return
        services.line_finish(actor=sim.clerks[before], entry=called(sim, before))


# --- Who may see it ---------------------------------------------------------------------------------


def test_the_counter_screen_shows_the_clerks_counter_and_the_day(clerk, sim, walk_in):
    walk_in(1), walk_in(2)
    response = clerk.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Counter 1" in page and "Call next" in page
    assert response.context["counter"] == sim.counters["registration"]
    assert response.context["day"].waiting == 2 and response.context["day"].served == 0


def test_a_clerk_without_a_shift_today_gets_a_clear_page(client, sim, make_user):
    idle = make_user("loket-idle", "counter_clerk", sim.unit, language="en")
    sign_in(client, idle)
    response = client.get(URL)
    assert response.status_code == 200
    assert "You are not on a counter today." in response.content.decode()
    assert "licensing/counter_none.html" in [t.name for t in response.templates]


@pytest.mark.parametrize("who", ["supervisor", "officer", "anonymous"])
def test_people_who_are_not_clerks_may_not_open_the_counter(client, sim, make_user, who):
    if who == "supervisor":
        sign_in(client, sim.supervisor)
    elif who == "officer":
        sign_in(client, make_user("penyidik", "investigator", sim.unit))
    response = client.get(URL)
    if who == "anonymous":
        assert response.status_code == 302
    else:
        assert response.status_code == 403
    post = client.post(f"{URL}panggil/", {"counter": sim.counters["registration"].pk})
    assert post.status_code in (302, 403)
    assert not LineEntry.objects.filter(state="called").exists()


def test_the_screen_takes_a_fixed_number_of_queries(clerk, sim, walk_in, django_assert_max_num_queries):
    for n in range(3):
        walk_in(n)
    call_at(clerk, sim.counters["registration"])
    clerk.get(URL)  # warm the session
    with django_assert_max_num_queries(20) as few:
        clerk.get(URL)
    for n in range(3, 15):
        walk_in(n)
    with django_assert_max_num_queries(len(few.captured_queries)):
        clerk.get(URL)


# --- Calling -----------------------------------------------------------------------------------------


def test_call_next_calls_the_head_and_shows_the_applicant(clerk, sim, walk_in):
    first = walk_in(1)
    walk_in(2)
    response = call_at(clerk, sim.counters["registration"])
    assert "Ticket A-001 called to counter 1." in messages_of(response)
    entry = LineEntry.objects.get(state="called")
    assert entry.ticket == first and entry.counter == sim.counters["registration"]
    page = response.content.decode()
    application = first.application
    for shown in (
        "A-001",
        application.full_name,
        application.nik,
        application.phone,
        "New SIM",
        "17 May 1990",
        "Recall (3 left)",
    ):
        assert shown in page, shown
    assert "Call next" not in page  # one applicant at a time


def test_call_next_on_an_empty_line_says_so(clerk, sim):
    response = call_at(clerk, sim.counters["registration"])
    assert "Nobody is waiting in the line." in messages_of(response)


def test_calling_at_a_counter_you_do_not_staff_is_refused(clerk, sim, walk_in):
    walk_in(1)
    entries = Entry.objects.count()
    response = call_at(clerk, sim.counters["theory"])
    assert "You are not staffing this counter today." in messages_of(response)
    assert not LineEntry.objects.filter(state="called").exists()
    assert Entry.objects.count() == entries


def test_a_counter_outside_the_clerks_units_answers_404(clerk, org, walk_in):
    elsewhere = Counter.objects.create(unit=org.dpk_satpas, number=1, stage="registration")
    assert call_at(clerk, elsewhere).status_code == 404
    assert clerk.post(f"{URL}panggil/", {"counter": "x"}, follow=True).status_code == 200


# --- Recall, no-show ----------------------------------------------------------------------------------


def test_recall_counts_down_then_no_show_opens_and_sends_to_the_back(clerk, sim, walk_in):
    ticket = walk_in(1)
    walk_in(2)
    call_at(clerk, sim.counters["registration"])
    entry = LineEntry.objects.get(state="called")
    early = clerk.post(act_url(entry, "tidak-hadir"), follow=True)
    assert "Recall the applicant 3 times before marking them not present." in messages_of(early)
    for n in (1, 2, 3):
        response = clerk.post(act_url(entry, "panggil-ulang"), follow=True)
        assert f"Ticket A-001 called again ({n} of 3)." in messages_of(response)
    page = response.content.decode()
    assert "Recall (0 left)" in page
    extra = clerk.post(act_url(entry, "panggil-ulang"), follow=True)
    assert "Already recalled 3 times" in " ".join(messages_of(extra))
    gone = clerk.post(act_url(entry, "tidak-hadir"), follow=True)
    assert "Ticket A-001 did not come: back of the line, once." in messages_of(gone)
    entry.refresh_from_db()
    assert entry.state == "waiting" and entry.sent_to_back == 1
    assert Ticket.objects.get(pk=ticket.pk).state == Ticket.WAITING


# --- Finish -------------------------------------------------------------------------------------------


def test_finish_moves_the_applicant_to_the_next_stage(clerk, sim, walk_in):
    ticket = walk_in(1)
    call_at(clerk, sim.counters["registration"])
    entry = LineEntry.objects.get(state="called")
    response = clerk.post(act_url(entry, "selesai"), {"outcome": "passed"}, follow=True)
    assert "Ticket A-001 finished this stage." in messages_of(response)
    assert Ticket.objects.get(pk=ticket.pk).stage == "documents"
    assert response.context["day"].served == 1


def test_only_a_test_stage_can_be_failed_and_a_failed_test_ends_the_visit(client, sim, walk_in):
    ticket = walk_in(1)
    advance_to(sim, ticket, "theory")
    sign_in(client, sim.clerks["theory"])
    call_at(client, sim.counters["theory"])
    page = client.get(URL).content.decode()
    assert "Finish: passed" in page and "Finish: failed" in page
    entry = LineEntry.objects.get(state="called")
    response = client.post(act_url(entry, "selesai"), {"outcome": "failed"}, follow=True)
    assert "Ticket A-001 failed the test: the visit ends." in messages_of(response)
    assert Application.objects.get(pk=ticket.application_id).status == Application.FAILED


def test_failing_a_stage_that_is_no_test_is_refused(clerk, sim, walk_in):
    walk_in(1)
    call_at(clerk, sim.counters["registration"])
    assert "Finish: failed" not in clerk.get(URL).content.decode()
    entry = LineEntry.objects.get(state="called")
    response = clerk.post(act_url(entry, "selesai"), {"outcome": "failed"}, follow=True)
    assert "Only a test can be failed." in messages_of(response)
    bad = clerk.post(act_url(entry, "selesai"), {"outcome": "maybe"}, follow=True)
    assert any("valid choice" in m for m in messages_of(bad))
    entry.refresh_from_db()
    assert entry.state == "called"


def test_finishing_someone_elses_applicant_is_refused(client, sim, walk_in, make_user):
    walk_in(1)
    called(sim, "registration")
    entry = LineEntry.objects.get(state="called")
    sign_in(client, sim.clerks["documents"])
    response = client.post(act_url(entry, "selesai"), {"outcome": "passed"}, follow=True)
    assert "You are not staffing this counter today." in messages_of(response)
    entry.refresh_from_db()
    assert entry.state == "called"


def test_acting_on_an_entry_outside_the_clerks_units_answers_404(client, sim, walk_in, org, make_user):
    walk_in(1)
    entry = called(sim, "registration")
    outsider = make_user("loket-depok", "counter_clerk", org.dpk_satpas)
    sign_in(client, outsider)
    for act in ("selesai", "panggil-ulang", "tidak-hadir", "kembalikan", "alihkan", "sertifikat"):
        assert client.post(act_url(entry, act), {"outcome": "passed"}).status_code == 404
    assert client.post(act_url(entry, "menari")).status_code == 404
    entry.refresh_from_db()
    assert entry.state == "called" and entry.recalls == 0


def test_acts_are_post_only(clerk, sim, walk_in):
    walk_in(1)
    entry = called(sim, "registration")
    assert clerk.get(act_url(entry, "selesai")).status_code == 405
    assert clerk.get(f"{URL}panggil/").status_code == 405


# --- Send back, transfer --------------------------------------------------------------------------


def test_send_back_to_an_earlier_stage_with_a_reason(client, sim, walk_in):
    ticket = walk_in(1)
    advance_to(sim, ticket, "documents")
    sign_in(client, sim.clerks["documents"])
    call_at(client, sim.counters["documents"])
    entry = LineEntry.objects.get(state="called")
    page = client.get(URL).content.decode()
    assert '<option value="registration">' in page and '<option value="theory">' not in page
    empty = client.post(
        act_url(entry, "kembalikan"), {"to_stage": "registration", "reason": " "}, follow=True
    )
    assert messages_of(empty) and LineEntry.objects.get(pk=entry.pk).state == "called"
    later = client.post(act_url(entry, "kembalikan"), {"to_stage": "theory", "reason": "x"}, follow=True)
    assert any("valid choice" in m for m in messages_of(later))
    response = client.post(
        act_url(entry, "kembalikan"), {"to_stage": "registration", "reason": "KTP kurang jelas"}, follow=True
    )
    assert "Ticket A-001 sent back to Registration." in messages_of(response)
    assert Ticket.objects.get(pk=ticket.pk).stage == "registration"
    assert LineEntry.objects.get(pk=entry.pk).reason == "KTP kurang jelas"


def test_transfer_to_another_staffed_counter_of_the_stage(client, sim, make_user, walk_in):
    walk_in(1)
    free = Counter.objects.create(unit=sim.unit, number=19, stage="registration")
    other_clerk = make_user("loket-19", "counter_clerk", sim.unit, language="en")
    staff(free, other_clerk)
    idle = Counter.objects.create(unit=sim.unit, number=20, stage="registration")
    sign_in(client, sim.clerks["registration"])
    call_at(client, sim.counters["registration"])
    entry = LineEntry.objects.get(state="called")
    page = client.get(URL).content.decode()
    assert f'<option value="{free.pk}">' in page and f'<option value="{idle.pk}">' not in page
    refused = client.post(act_url(entry, "alihkan"), {"counter": idle.pk}, follow=True)
    assert any("valid choice" in m for m in messages_of(refused))
    response = client.post(act_url(entry, "alihkan"), {"counter": free.pk}, follow=True)
    assert f"Ticket A-001 handed to counter {free.number}." in messages_of(response)
    entry.refresh_from_db()
    assert entry.counter == free and entry.clerk == other_clerk
    assert "Call next" in response.content.decode()  # this counter is free again


# --- The stage's documents --------------------------------------------------------------------------


def test_the_documents_stage_records_the_certificates(client, sim, walk_in):
    ticket = walk_in(1)
    advance_to(sim, ticket, "documents")
    sign_in(client, sim.clerks["documents"])
    call_at(client, sim.counters["documents"])
    entry = LineEntry.objects.get(state="called")
    assert "Record the certificates" in client.get(URL).content.decode()
    data = {"health_certificate": "sks/0123/xi/2026", "psychology_certificate": "PSI-2026-0456"}
    response = client.post(act_url(entry, "sertifikat"), data, follow=True)
    assert "Certificates of ticket A-001 recorded." in messages_of(response)
    application = Application.objects.get(pk=ticket.application_id)
    assert (application.health_certificate, application.psychology_certificate) == (
        "SKS/0123/XI/2026",
        "PSI-2026-0456",
    )
    assert "SKS/0123/XI/2026" in response.content.decode()
    record = Entry.objects.get(action="licensing.application.certificates_recorded")
    assert record.data["before"] == {"health": "", "psychology": ""}


@pytest.mark.parametrize(
    ("health", "psychology", "message"),
    [
        ("", "PSI-1", "This field is required."),
        ("ok", "PSI-2026-1", "The health certificate number must be 3 to 60 letters"),
        ("SKS<script>", "PSI-2026-1", "The health certificate number must be 3 to 60 letters"),
        ("SKS-1", "SKS-1", "The health and psychology certificates cannot carry the same number."),
    ],
)
def test_bad_certificate_numbers_are_refused(client, sim, walk_in, health, psychology, message):
    ticket = walk_in(1)
    advance_to(sim, ticket, "documents")
    sign_in(client, sim.clerks["documents"])
    call_at(client, sim.counters["documents"])
    entry = LineEntry.objects.get(state="called")
    data = {"health_certificate": health, "psychology_certificate": psychology}
    response = client.post(act_url(entry, "sertifikat"), data, follow=True)
    assert any(message in m for m in messages_of(response)), messages_of(response)
    assert Application.objects.get(pk=ticket.application_id).health_certificate == ""
    assert not Entry.objects.filter(action="licensing.application.certificates_recorded").exists()


def test_certificates_are_recorded_only_at_the_document_check(clerk, sim, walk_in):
    ticket = walk_in(1)
    call_at(clerk, sim.counters["registration"])
    entry = LineEntry.objects.get(state="called")
    data = {"health_certificate": "SKS-1", "psychology_certificate": "PSI-1"}
    response = clerk.post(act_url(entry, "sertifikat"), data, follow=True)
    assert "Certificates are recorded at the document check." in messages_of(response)
    assert Application.objects.get(pk=ticket.application_id).health_certificate == ""


def test_the_payment_stage_shows_the_fee_and_the_account_and_cannot_be_finished(
    client, sim, walk_in, make_user
):
    ticket = walk_in(1)
    advance_to(sim, ticket, "payment")
    cashless = Counter.objects.create(unit=sim.unit, number=30, stage="payment")
    clerk = make_user("loket-bayar", "counter_clerk", sim.unit, language="en")
    staff(cashless, clerk)
    sign_in(client, clerk)
    call_at(client, cashless)
    page = client.get(URL).content.decode()
    payment = FeePayment.objects.get(application=ticket.application)
    assert payment.va_number in page and rules.fee("new", "C") == 100_000 and "100.000" in page
    assert "No cash is taken at the counter." in page
    assert "Finish" not in page.split("Acts")[1].split("Send back")[0]
    entry = LineEntry.objects.get(state="called")
    response = client.post(act_url(entry, "selesai"), {"outcome": "passed"}, follow=True)
    assert "The fee is settled by the bank's confirmation, not at a counter." in messages_of(response)
    assert "cash" not in " ".join(f.name for f in FeePayment._meta.fields)


def test_anonymous_posts_change_nothing(sim, walk_in):
    walk_in(1)
    response = Client().post(f"{URL}panggil/", {"counter": sim.counters["registration"].pk})
    assert response.status_code == 302
    assert not LineEntry.objects.filter(state="called").exists()


def test_csrf_is_required(sim, walk_in):
    walk_in(1)
    browser = Client(enforce_csrf_checks=True)
    sign_in(browser, sim.clerks["registration"])
    response = browser.post(f"{URL}panggil/", {"counter": sim.counters["registration"].pk})
    assert response.status_code == 403
    assert not LineEntry.objects.filter(state="called").exists()


def test_the_counter_screen_speaks_indonesian_by_default(client, sim, walk_in, make_user, settings):
    settings.LANGUAGE_CODE = "id"  # the installation's default (english_messages set it to English)
    clerk = make_user("loket-id", "counter_clerk", sim.unit, language="id")
    staff(Counter.objects.create(unit=sim.unit, number=50, stage="registration"), clerk)
    sign_in(client, clerk)
    page = client.get(URL).content.decode()
    assert "Panggil berikutnya" in page and "Hari ini di loket ini" in page

"""The public confirmation pages and the officers' dispute pages: lookups, answers, uploads, scope."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bersih.core.testing import sign_in
from bersih.etle import rules, services
from bersih.etle.models import Confirmation, Violation
from bersih.etle.testing import png_bytes
from bersih.etle.views import CONFIRM_SESSION_KEY
from bersih.ledger.models import Entry

from .test_confirmation import NIK, PDF, refreshed, upload

START = reverse("etle:confirm-start")
CASE = reverse("etle:confirm-case")
NO_MATCH = "No letter matches this reference code and plate."


@pytest.fixture(autouse=True)
def _clean_cache(db):
    cache.clear()  # lookup counts must not leak between tests


def answer_url(answer):
    return reverse("etle:confirm-answer", args=[answer])


def open_case(client, case, plate="B 1234 FAB", code=None):
    return client.post(START, {"reference_code": code or case.reference_code, "plate": plate})


def opened(client, case):
    response = open_case(client, case)
    assert response.status_code == 302 and response["Location"] == CASE
    return client


# --- Looking the case up ----------------------------------------------------------------------------


def test_the_start_page_is_indonesian_by_default(client, db):
    page = client.get(START)
    assert page.status_code == 200
    text = page.content.decode()
    assert 'name="reference_code"' in text and 'name="csrfmiddlewaretoken"' in text
    assert "Kode referensi" in text and "Konfirmasi surat tilang elektronik" in text
    assert "<script>" not in text


@pytest.mark.usefixtures("english_messages")
def test_code_and_plate_open_the_case_with_its_evidence(client, sent):
    case = sent.case
    # Typed as people type: lower case, spaces, the code with a dash and O for zero.
    code = case.reference_code.lower().replace("0", "o")
    response = open_case(client, case, plate="b1234fab", code=f"{code[:5]}-{code[5:]}")
    assert response.status_code == 302
    page = client.get(CASE)
    text = page.content.decode()
    assert page.status_code == 200
    for shown in (case.tracking_number, case.article, "Rp500.000", "Simpang Tambun", "Running a red light"):
        assert shown in text
    assert "Budi" not in text  # the owner's name is not needed to answer
    pictures = [link.file.sha256 for c in case.captures.all() for link in c.image_links.all()]
    assert len(pictures) == 2
    for sha in pictures:
        picture = client.get(reverse("etle:confirm-picture", args=[sha]))
        assert picture.status_code == 200 and picture["Content-Type"] == "image/png"
        assert "private" in picture["Cache-Control"]
        assert reverse("etle:confirm-picture", args=[sha]) in text
    # Without the session the pictures are private.
    assert Client().get(reverse("etle:confirm-picture", args=[pictures[0]])).status_code == 404


@pytest.mark.usefixtures("english_messages")
def test_unknown_code_and_wrong_plate_answer_the_same(client, sent):
    wrong_plate = open_case(client, sent.case, plate="B 1234 FAC")
    unknown = open_case(client, sent.case, code="7K3QX9MD2B")
    assert wrong_plate.status_code == unknown.status_code == 404
    assert NO_MATCH in wrong_plate.content.decode() and NO_MATCH in unknown.content.decode()
    assert CONFIRM_SESSION_KEY not in client.session
    assert client.get(CASE)["Location"] == START


@pytest.mark.usefixtures("english_messages")
def test_a_plate_that_is_no_plate_is_a_form_error_not_a_miss(client, sent, settings):
    settings.RATE_LIMITS_ENABLED = True
    for _ in range(12):
        response = open_case(client, sent.case, plate="<script>")
        assert response.status_code == 400
    assert opened(client, sent.case)


@pytest.mark.usefixtures("english_messages")
def test_too_many_wrong_lookups_are_refused_even_when_right(client, sent, settings):
    settings.RATE_LIMITS_ENABLED = True
    for _ in range(10):
        assert open_case(client, sent.case, plate="B 9999 FAB").status_code == 404
    blocked = open_case(client, sent.case)
    assert blocked.status_code == 429 and int(blocked["Retry-After"]) > 0
    assert "Too many wrong numbers or codes" in blocked.content.decode()
    assert CONFIRM_SESSION_KEY not in client.session
    # Another connection is not affected.
    other = Client(REMOTE_ADDR="198.51.100.9")
    assert opened(other, sent.case)


@pytest.mark.usefixtures("english_messages")
@pytest.mark.parametrize(
    ("status", "message"),
    [
        (Violation.PAID, "has been paid"),
        (Violation.CANCELLED, "was cancelled"),
        (Violation.REJECTED, "closed without a fine"),
        (Violation.APPROVED, "has not been sent yet"),
    ],
)
def test_a_case_not_awaiting_an_answer_says_so(client, sent, status, message):
    Violation.objects.filter(pk=sent.case.pk).update(status=status)
    response = open_case(client, sent.case)
    assert response.status_code == 200 and message in response.content.decode()
    assert CONFIRM_SESSION_KEY not in client.session


@pytest.mark.usefixtures("english_messages")
def test_the_access_expires(client, sent, time_machine):
    opened(client, sent.case)
    time_machine.move_to(timezone.now() + timedelta(minutes=rules.confirm_access_minutes() + 1))
    assert client.get(CASE)["Location"] == START
    assert client.post(answer_url("drove"))["Location"] == START
    assert refreshed(sent.case).status == Violation.LETTER_SENT


# --- Answering --------------------------------------------------------------------------------------


@pytest.mark.usefixtures("english_messages")
def test_i_was_driving_then_the_deposit_shows_the_virtual_account(client, sent):
    opened(client, sent.case)
    response = client.post(answer_url("drove"), REMOTE_ADDR="203.0.113.5")
    assert response.status_code == 302
    assert Confirmation.objects.get().client_hash == services.client_hash("203.0.113.5")
    page = client.get(CASE).content.decode()
    assert "Now choose how to settle it." in page and "Pay the deposit" in page
    assert client.post(reverse("etle:confirm-route", args=["deposit"])).status_code == 302
    page = client.get(CASE).content.decode()
    payment = refreshed(sent.case).payments.get()
    assert payment.va_number in page and "Rp500.000" in page
    assert "At an ATM" in page and "mobile or internet banking" in page
    # Choosing again changes nothing and says why.
    again = client.post(reverse("etle:confirm-route", args=["court"]))
    assert again.status_code == 409 and "already chosen" in again.content.decode()
    assert refreshed(sent.case).payment_choice == Violation.DEPOSIT


@pytest.mark.usefixtures("english_messages")
def test_the_court_route_shows_the_date_and_the_court(client, sent, settings):
    settings.ETLE_COURT_NAME = "Pengadilan Negeri Cikarang"
    opened(client, sent.case)
    client.post(answer_url("drove"))
    client.post(reverse("etle:confirm-route", args=["court"]))
    case = refreshed(sent.case)
    page = client.get(CASE).content.decode()
    assert "Pengadilan Negeri Cikarang" in page
    assert case.hearing_on == rules.hearing_date(timezone.localdate())
    from bersih.core.templatetags.bersih import wib

    assert wib(case.hearing_on) in page


@pytest.mark.usefixtures("english_messages")
def test_a_replayed_answer_changes_nothing(client, sent):
    opened(client, sent.case)
    client.post(answer_url("drove"))
    updated = refreshed(sent.case).updated_at
    replay = client.post(answer_url("drove"))
    assert replay.status_code == 409
    assert "already been answered" in replay.content.decode()
    other = client.post(
        answer_url("other_driver"),
        {"name": "Andi", "nik": NIK, "address": "Tambun", "phone": "081234567890"},
    )
    assert other.status_code in (302, 409)
    assert Confirmation.objects.count() == 1 and refreshed(sent.case).updated_at == updated
    assert refreshed(sent.case).driver_name == ""


@pytest.mark.usefixtures("english_messages")
def test_naming_the_driver_through_the_form(client, sent):
    opened(client, sent.case)
    form = client.get(answer_url("other_driver"))
    assert form.status_code == 200 and 'name="nik"' in form.content.decode()
    bad = client.post(
        answer_url("other_driver"),
        {"name": "Andi", "nik": "3216063203850007", "address": "Tambun", "phone": "081234567890"},
    )
    assert bad.status_code == 400 and "not a date of birth" in bad.content.decode()
    assert refreshed(sent.case).status == Violation.LETTER_SENT
    good = client.post(
        answer_url("other_driver"),
        {"name": "Andi", "nik": NIK, "address": "Tambun", "phone": "081234567890", "email": ""},
    )
    assert good.status_code == 302
    case = refreshed(sent.case)
    assert case.status == Violation.APPROVED and case.driver_phone == "+6281234567890"
    assert "A notice will be sent to the driver you named." in client.get(CASE).content.decode()


@pytest.mark.usefixtures("english_messages")
@pytest.mark.parametrize(
    ("content", "error"),
    [
        (b"", "The submitted file is empty."),
        (b"just some text, not a picture", "not an accepted type"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * rules.MAX_UPLOAD_BYTES, "largest allowed"),
    ],
)
def test_bad_uploads_are_refused_on_the_form(client, sent, content, error):
    opened(client, sent.case)
    response = client.post(answer_url("sold"), {"proof": upload("bukti.png", content), "buyer_name": ""})
    assert response.status_code == 400 and error in response.content.decode()
    assert refreshed(sent.case).status == Violation.LETTER_SENT and not Confirmation.objects.exists()


@pytest.mark.usefixtures("english_messages")
def test_sold_and_not_mine_through_the_forms(client, sent):
    opened(client, sent.case)
    missing = client.post(answer_url("not_mine"), {"ktp": upload()})
    assert missing.status_code == 400 and refreshed(sent.case).status == Violation.LETTER_SENT
    response = client.post(
        answer_url("not_mine"),
        {
            "ktp": upload("ktp.pdf", PDF),
            "selfie": upload("selfie.png", png_bytes((1, 1, 1))),
            "vehicle": upload("mobil.png", png_bytes((2, 2, 2))),
        },
    )
    assert response.status_code == 302
    case = refreshed(sent.case)
    assert case.status == Violation.DISPUTED and case.pause_reason == Violation.PAUSE_DISPUTE
    assert "being checked by an officer" in client.get(CASE).content.decode()
    second = client.post(answer_url("sold"), {"proof": upload()})
    assert second.status_code == 409 and Confirmation.objects.count() == 1


@pytest.mark.usefixtures("english_messages")
def test_every_form_needs_its_csrf_token(sent):
    client = Client(enforce_csrf_checks=True)
    assert (
        client.post(START, {"reference_code": sent.case.reference_code, "plate": "B 1234 FAB"}).status_code
        == 403
    )
    opened_client = Client(enforce_csrf_checks=True)
    page = opened_client.get(START)
    token = page.context["csrf_token"]
    response = opened_client.post(
        START,
        {
            "reference_code": sent.case.reference_code,
            "plate": "B 1234 FAB",
            "csrfmiddlewaretoken": str(token),
        },
    )
    assert response.status_code == 302
    assert opened_client.post(answer_url("drove")).status_code == 403
    assert opened_client.post(reverse("etle:confirm-route", args=["deposit"])).status_code == 403
    assert refreshed(sent.case).status == Violation.LETTER_SENT


# --- Officers' review of disputes ------------------------------------------------------------------


@pytest.fixture
def disputed(sent):
    services.confirmation_not_mine(
        violation=sent.case,
        client_address="x",
        ktp=upload("ktp.png", png_bytes((11, 11, 11))),
        selfie=upload("selfie.png", png_bytes((12, 12, 12))),
        vehicle_photo=upload("car.png", png_bytes((13, 13, 13))),
    )
    sent.case.refresh_from_db()
    return sent


def signed_in(user):
    client = Client()
    sign_in(client, user)
    return client


@pytest.mark.usefixtures("english_messages")
def test_the_investigator_sees_the_dispute_and_each_upload_view_is_recorded(disputed):
    client = signed_in(disputed.investigator)
    queue = client.get(reverse("etle:dispute-queue"))
    assert queue.status_code == 200 and disputed.case.tracking_number in queue.content.decode()
    page = client.get(reverse("etle:dispute-case", args=[disputed.case.tracking_number]))
    text = page.content.decode()
    links = list(Confirmation.objects.get().upload_links.all())
    assert page.status_code == 200 and len(links) == 3
    for link in links:
        url = reverse("etle:dispute-upload", args=[disputed.case.tracking_number, link.pk])
        assert url in text
        assert client.get(url).status_code == 200
    reads = Entry.objects.filter(action="etle.confirmationupload.read")
    assert reads.count() == 3
    assert set(reads.values_list("actor_id", flat=True)) == {str(disputed.investigator.pk)}
    client.get(reverse("etle:dispute-upload", args=[disputed.case.tracking_number, links[0].pk]))
    assert reads.count() == 4  # every view, not the first only


@pytest.mark.usefixtures("english_messages")
def test_out_of_scope_and_other_roles_cannot_see_disputes(disputed):
    link = Confirmation.objects.get().upload_links.first()
    number = disputed.case.tracking_number
    depok = signed_in(disputed.depok)
    assert depok.get(reverse("etle:dispute-case", args=[number])).status_code == 404
    assert depok.get(reverse("etle:dispute-upload", args=[number, link.pk])).status_code == 404
    assert number not in depok.get(reverse("etle:dispute-queue")).content.decode()
    assert (
        depok.post(reverse("etle:dispute-decide", args=[number]), {"decision": "accept"}).status_code == 404
    )
    for person in (disputed.officer, disputed.supervisor):
        other = signed_in(person)
        assert other.get(reverse("etle:dispute-queue")).status_code == 403
        assert other.get(reverse("etle:dispute-upload", args=[number, link.pk])).status_code == 403
    assert Client().get(reverse("etle:dispute-case", args=[number])).status_code == 302  # to sign-in
    assert not Entry.objects.filter(action="etle.confirmationupload.read").exists()
    assert refreshed(disputed.case).status == Violation.DISPUTED


@pytest.mark.usefixtures("english_messages")
def test_deciding_a_dispute_on_the_page(disputed):
    client = signed_in(disputed.investigator)
    url = reverse("etle:dispute-decide", args=[disputed.case.tracking_number])
    no_reason = client.post(url, {"decision": "refuse", "reason": ""})
    assert no_reason.status_code == 400 and "Give the reason" in no_reason.content.decode()
    no_buyer = client.post(url, {"decision": "accept_buyer"})
    assert no_buyer.status_code == 400 and refreshed(disputed.case).status == Violation.DISPUTED
    refused = client.post(url, {"decision": "refuse", "reason": "The selfie does not match the KTP."})
    assert refused.status_code == 302
    case = refreshed(disputed.case)
    assert case.status == Violation.LETTER_SENT and case.pause_reason == ""
    # Decided: the dispute page is gone, a replayed decision finds nothing to decide.
    assert client.post(url, {"decision": "accept"}).status_code == 404
    assert refreshed(disputed.case).status == Violation.LETTER_SENT


@pytest.mark.usefixtures("english_messages")
def test_the_nav_offers_disputes_to_investigators_only(disputed):
    home = signed_in(disputed.investigator).get(reverse("core:staff-home")).content.decode()
    assert reverse("etle:dispute-queue") in home
    officer_home = signed_in(disputed.officer).get(reverse("core:staff-home")).content.decode()
    assert reverse("etle:dispute-queue") not in officer_home


def _more_disputes(sent, count):
    from bersih.etle.models import Vehicle
    from bersih.etle.testing import event

    items = [event(200 + n, plate=f"B {3000 + n} FAB", event_id=f"dispute-{n}") for n in range(count)]
    services.captures_ingest(actor=sent.etle.client.client, camera=sent.etle.camera, items=items)
    for n in range(count):
        Vehicle.objects.create(
            plate=f"B {3000 + n} FAB", owner_name=f"Pemilik {n}", owner_address="Bekasi", vehicle_class="car"
        )
        case = Violation.objects.get(plate=f"B {3000 + n} FAB")
        services.violation_approve(actor=sent.investigator, violation=case)
        Violation.objects.filter(pk=case.pk).update(
            status=Violation.LETTER_SENT, letter_sent_at=timezone.now()
        )
        services.confirmation_sold(
            violation=case, client_address="x", proof=upload(data=png_bytes((n, 50, 50))), buyer_name="B"
        )


@pytest.mark.usefixtures("english_messages")
def test_the_dispute_queue_reads_a_fixed_number_of_queries(disputed):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = signed_in(disputed.investigator)
    url = reverse("etle:dispute-queue")
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    _more_disputes(disputed, 3)
    with CaptureQueriesContext(connection) as four:
        page = client.get(url)
    assert page.content.decode().count("etle/staf/sanggahan/ETLE-") == 4
    assert len(four.captured_queries) == len(one.captured_queries)

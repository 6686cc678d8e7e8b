"""Confirmation letters: the signed PDF, its delivery per channel, the trigger and sweep, returned mail
and the wrong-address work list."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from bersih.documents.pdf import QrDrawing
from bersih.documents.signing import verify_pdf
from bersih.documents.testing import page_contents, pdf_text
from bersih.etle import rules, services
from bersih.etle.models import Violation
from bersih.ledger.models import Entry
from bersih.ledger.services import SYSTEM
from bersih.notify.models import Message, PostLetter


@pytest.fixture(autouse=True)
def isolated_files(settings, tmp_path):
    """Each test signs with its own development CA; files and the outbox sink stay in tmp_path."""
    settings.KEYS_DIR = tmp_path / "keys"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.NOTIFY_SINK_DIR = tmp_path / "outbox"
    settings.TIMESTAMP_URL = ""
    settings.DOCUMENT_DEV_CA = True
    settings.DOCUMENT_TRUST_ROOTS = []
    settings.SITE_URL = "https://bersih.contoh.id"


def _text(pdf: bytes) -> str:
    return " ".join(pdf_text(pdf).split())


def _messages(case):
    return Message.objects.filter(subject_type="etle.violation", subject_id=str(case.pk))


def _channels(case):
    return sorted(_messages(case).values_list("channel", flat=True))


def _actions(case, prefix="etle."):
    return list(
        Entry.objects.filter(subject_id=str(case.pk), action__startswith=prefix)
        .order_by("seq")
        .values_list("action", flat=True)
    )


def _with_contacts(case, phone="0812-3456-7890", email="budi@contoh.id"):
    Violation.objects.filter(pk=case.pk).update(owner_phone=phone, owner_email=email)
    case.refresh_from_db()
    return case


# --- The letter -------------------------------------------------------------------------------------


def test_letter_states_the_facts_and_is_signed(approved):
    case = services.notice_send(actor=SYSTEM, violation=approved.case)
    assert case.status == Violation.LETTER_SENT
    assert case.letter is not None and case.letter_sent_at is not None
    assert case.letter.kind == rules.LETTER_KIND and case.letter.signed
    pdf = case.letter.file.read()
    text = _text(pdf)
    for fact in [
        "RESOR METRO BEKASI",
        "Budi Santoso",
        "Jl. Raya Tambun No. 1",
        "B 1234 FAB",
        "Toyota Avanza, Hitam",
        "Simpang Tambun",
        "Jl. Raya Tambun",
        "arah ke Bekasi",
        "Menerobos lampu merah (APILL)",  # the Indonesian name of red_light
        "Pasal 287 ayat (2)",
        "Rp500.000",
        case.reference_code,
        case.tracking_number,
        case.letter_number,
        "WIB",
        "LAMPIRAN",
        "tidak pernah meminta",
        "https://bersih.contoh.id",
    ]:
        assert fact in text, fact
    from bersih.core.formatting import tanggal

    assert tanggal(case.confirm_by) in text and tanggal(case.pay_by) in text
    result = verify_pdf(pdf)
    assert result.ok, result.reasons
    # The confirmation link carries the reference code and the plate.
    assert services.confirmation_url(case) == (
        f"https://bersih.contoh.id/etle/?kode={case.reference_code}&plat=B+1234+FAB"
    )
    assert "etle.letter.sent" in _actions(case)


def test_letter_pages_carry_the_evidence_pictures(approved):
    from bersih.etle.services.letters import _evidence

    pictures = _evidence(approved.case)
    assert [role for role, _data in pictures] == ["scene", "plate"]  # the scene first, then the plate
    case = services.notice_send(actor=SYSTEM, violation=approved.case)
    pdf = case.letter.file.read()
    assert pdf.count(b"/Subtype /Image") == 2  # both pictures
    first, attachment = page_contents(pdf)
    # The confirmation link's QR code is drawn on the first page; the pictures on the attachment page.
    qr = QrDrawing(services.confirmation_url(case)).path_operators().encode()
    assert qr in first and b" Do" in attachment and b" Do" not in first


# --- Messages per channel ---------------------------------------------------------------------------


def test_post_only_without_phone_or_email(approved):
    case = services.notice_send(actor=SYSTEM, violation=approved.case)
    assert _channels(case) == ["post"]
    post = _messages(case).get()
    assert post.context["address"] == {
        "name": "Budi Santoso",
        "street": "Jl. Raya Tambun No. 1",
        "village": "",
        "city": "Kabupaten Bekasi",
        "province": "",
        "postcode": rules.UNKNOWN_POSTCODE,
    }
    assert post.attachments[0]["content_type"] == "application/pdf"
    from bersih.notify.attachments import load_bytes

    assert load_bytes(post.attachments[0]["sha256"]) == case.letter.file.read()


def test_every_channel_with_phone_and_email(approved):
    case = _with_contacts(approved.case)
    case = services.notice_send(actor=SYSTEM, violation=case)
    assert _channels(case) == ["email", "post", "sms", "whatsapp"]
    by_channel = {m.channel: m for m in _messages(case)}
    assert by_channel["sms"].recipient == "+6281234567890"
    assert by_channel["email"].recipient == "budi@contoh.id"
    assert by_channel["email"].attachments and by_channel["email"].attachments[0]["name"].endswith(".pdf")
    assert not by_channel["sms"].attachments
    for message in by_channel.values():
        assert message.language == "id"
        body = (message.subject_line + message.body).lower()
        assert "install" not in body and "pasang aplikasi" not in body
    assert case.reference_code in by_channel["sms"].body
    assert "apk" in by_channel["sms"].body.lower()  # the warning travels in the SMS too
    entry = Entry.objects.get(action="etle.letter.sent", subject_id=str(case.pk))
    assert entry.data["channels"] == ["email", "post", "sms", "whatsapp"]


def test_unusable_phone_is_skipped_not_fatal(approved):
    case = _with_contacts(approved.case, phone="12", email="")
    case = services.notice_send(actor=SYSTEM, violation=case)
    assert _channels(case) == ["post"]


def test_named_driver_is_the_addressee(approved):
    Violation.objects.filter(pk=approved.case.pk).update(
        driver_name="Joko Widodo",
        driver_address="Jl. Kalimalang 5, Kota Bekasi 17112",
        driver_phone="081299998888",
    )
    case = services.notice_send(actor=SYSTEM, violation=approved.case)
    post = _messages(case).get(channel="post")
    assert post.context["name"] == "Joko Widodo"
    assert post.context["address"]["postcode"] == "17112"
    assert _messages(case).get(channel="sms").recipient == "+6281299998888"
    text = _text(case.letter.file.read())
    assert "Joko Widodo" in text and "Budi Santoso" not in text


def test_address_without_a_city_goes_to_the_work_list(approved):
    Violation.objects.filter(pk=approved.case.pk).update(owner_address="Tambun")
    case = services.notice_send(actor=SYSTEM, violation=approved.case)
    assert case.status == Violation.RETURNED
    assert case.pause_reason == Violation.PAUSE_RETURNED_MAIL
    assert case.return_reason == "alamat_tidak_lengkap"
    assert _channels(case) == []


# --- Idempotency, the trigger and the sweep ---------------------------------------------------------


def test_second_send_changes_nothing(approved):
    case = services.notice_send(actor=SYSTEM, violation=_with_contacts(approved.case))
    count, letter = _messages(case).count(), case.letter_id
    with pytest.raises(ValidationError) as caught:
        services.notice_send(actor=SYSTEM, violation=case)
    assert caught.value.code == "state"
    assert services.notice_send_pending(case.pk) == "skipped"
    case.refresh_from_db()
    assert _messages(case).count() == count and case.letter_id == letter and case.letter_count == 1
    assert _actions(case).count("etle.letter.sent") == 1


def test_wrong_state_refused(review):
    with pytest.raises(ValidationError):
        services.notice_send(actor=SYSTEM, violation=review.case)
    assert not _messages(review.case).exists()


def test_approval_queues_the_letter_task(review, settings, django_capture_on_commit_callbacks):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    with django_capture_on_commit_callbacks() as callbacks:
        services.violation_approve(actor=review.investigator, violation=review.case)
    review.case.refresh_from_db()
    assert review.case.status == Violation.APPROVED  # nothing is sent before the approval commits
    for callback in callbacks:
        callback()
    review.case.refresh_from_db()
    assert review.case.status == Violation.LETTER_SENT
    assert _channels(review.case) == ["post"]
    assert Entry.objects.get(action="etle.letter.sent", subject_id=str(review.case.pk)).actor_kind == "system"


def test_sweep_sends_what_the_task_missed(approved):
    from bersih.core.schedule import registered_sweeps

    assert "etle.letters" in registered_sweeps()
    now = timezone.now()
    assert services.letters_due(now) == {"sent": 0, "skipped": 0, "failed": 0}  # within the grace
    later = now + rules.LETTER_SWEEP_GRACE + timedelta(seconds=1)
    assert services.letters_due(later) == {"sent": 1, "skipped": 0, "failed": 0}
    approved.case.refresh_from_db()
    assert approved.case.status == Violation.LETTER_SENT
    assert services.letters_due(later) == {"sent": 0, "skipped": 0, "failed": 0}  # idempotent
    assert _messages(approved.case).count() == 1


def test_sweep_sends_the_drivers_notice_with_the_next_number(approved):
    case = services.notice_send(actor=SYSTEM, violation=approved.case)
    first = case.letter_number
    # The owner named the driver on the public page: the case is approved again for the driver.
    Violation.objects.filter(pk=case.pk).update(
        status=Violation.APPROVED, driver_name="Joko", driver_address="Jl. Kalimalang 5, Kota Bekasi"
    )
    later = timezone.now() + rules.LETTER_SWEEP_GRACE + timedelta(seconds=1)
    assert services.letters_due(later)["sent"] == 1
    case.refresh_from_db()
    assert case.letter_count == 2 and case.letter_number != first
    assert _messages(case).filter(channel="post").count() == 2


# --- Returned mail and the work list ----------------------------------------------------------------


def _return_post_letter(case, officer, reason="alamat_tidak_ditemukan"):
    from bersih.notify.services import message_deliver, post_letter_return

    message = _messages(case).filter(channel="post").order_by("-id").first()
    assert message_deliver(message_id=message.pk) == "sent"
    letter = PostLetter.objects.get(message=message)
    post_letter_return(actor=officer, letter=letter, reason=reason)
    case.refresh_from_db()
    return case


def test_returned_letter_pauses_the_case(approved):
    case = services.notice_send(actor=SYSTEM, violation=approved.case)
    case = _return_post_letter(case, approved.officer)
    assert case.status == Violation.RETURNED
    assert case.pause_reason == Violation.PAUSE_RETURNED_MAIL
    assert case.return_reason == "alamat_tidak_ditemukan" and case.returned_at is not None
    assert "etle.letter.returned" in _actions(case)


def test_a_letter_returned_after_the_block_lifts_it(approved):
    """Blocked for not confirming a letter that never arrived: the block goes, the case is paused."""
    from bersih.etle.models import StnkBlock, Vehicle

    case = services.notice_send(actor=SYSTEM, violation=approved.case)
    services.block_place(actor=SYSTEM, violation=case, reason="not_confirmed")
    assert Vehicle.objects.get(plate=case.plate).blocked
    case = _return_post_letter(case, approved.officer)
    assert (case.status, case.pause_reason) == (Violation.RETURNED, Violation.PAUSE_RETURNED_MAIL)
    last = StnkBlock.objects.filter(violation=case).latest("id")
    assert (last.action, last.reason) == (StnkBlock.UNBLOCK, "letter_returned")
    assert not Vehicle.objects.get(plate=case.plate).blocked


def test_old_letter_coming_back_after_a_resend_changes_nothing(approved):
    case = services.notice_send(actor=SYSTEM, violation=approved.case)
    from bersih.notify.services import message_deliver, post_letter_return

    old = _messages(case).get(channel="post")
    message_deliver(message_id=old.pk)
    old_letter = PostLetter.objects.get(message=old)
    post_letter_return(actor=approved.officer, letter=old_letter, reason="penerima_pindah")
    case.refresh_from_db()
    services.letter_resend(actor=approved.officer, violation=case, address="Jl. Baru 2, Kota Bekasi 17111")
    case.refresh_from_db()
    assert case.status == Violation.LETTER_SENT
    # A second copy of the old letter reported back later: the new letter stands.
    from bersih.etle.services.letters import letter_returned

    letter_returned(letter=old_letter, reason="penerima_pindah", actor=approved.officer)
    case.refresh_from_db()
    assert case.status == Violation.LETTER_SENT


def test_resend_to_a_corrected_address_restarts_the_deadlines(approved, settings):
    settings.ETLE_RESEND_CONFIRM_DAYS = 10
    case = services.notice_send(actor=SYSTEM, violation=approved.case)
    first_number, first_letter = case.letter_number, case.letter_id
    case = _return_post_letter(case, approved.officer)
    case = services.letter_resend(
        actor=approved.officer,
        violation=case,
        address="Jl. Cempaka 9\nDesa Mekarsari\nKabupaten Bekasi 17510",
        phone="0813-1111-2222",
    )
    today = timezone.localdate()
    assert case.status == Violation.LETTER_SENT and case.pause_reason == ""
    assert case.confirm_by == today + timedelta(days=10)
    assert case.pay_by == today + timedelta(days=rules.pay_days())
    assert case.letter_number != first_number and case.letter_id != first_letter and case.letter_count == 2
    assert case.owner_address.startswith("Jl. Cempaka 9") and case.owner_phone == "0813-1111-2222"
    post = _messages(case).filter(channel="post").order_by("-id").first()
    assert post.context["address"]["street"] == "Jl. Cempaka 9"
    assert post.context["address"]["village"] == "Desa Mekarsari"
    assert post.context["address"]["postcode"] == "17510"
    assert _messages(case).filter(channel="sms").count() == 1  # the new phone gets the new letter
    actions = _actions(case)
    assert actions[-2:] == ["etle.letter.address_corrected", "etle.letter.sent"]
    text = _text(case.letter.file.read())
    assert "Jl. Cempaka 9" in text and case.letter_number in text


def test_close_as_undeliverable(approved):
    case = _return_post_letter(services.notice_send(actor=SYSTEM, violation=approved.case), approved.officer)
    case = services.violation_close_undeliverable(
        actor=approved.officer, violation=case, reason="Alamat fiktif, pemilik tidak dapat dilacak."
    )
    assert case.status == Violation.CANCELLED and case.pause_reason == ""
    assert "etle.violation.closed_undeliverable" in _actions(case)


@pytest.mark.parametrize(
    "address, code",
    [("", "address"), ("   \n ", "address"), ("x" * 301 + ", Bekasi", "address"), ("Tambun", "address")],
)
def test_bad_address_changes_nothing(approved, address, code):
    case = _return_post_letter(services.notice_send(actor=SYSTEM, violation=approved.case), approved.officer)
    before = _messages(case).count()
    with pytest.raises(ValidationError) as caught:
        services.letter_resend(actor=approved.officer, violation=case, address=address)
    assert caught.value.code == code
    case.refresh_from_db()
    assert case.status == Violation.RETURNED and _messages(case).count() == before


def test_bad_phone_email_and_reason_refused(approved):
    case = _return_post_letter(services.notice_send(actor=SYSTEM, violation=approved.case), approved.officer)
    good = "Jl. Baru 2, Kota Bekasi"
    with pytest.raises(ValidationError):
        services.letter_resend(actor=approved.officer, violation=case, address=good, phone="abc")
    with pytest.raises(ValidationError):
        services.letter_resend(actor=approved.officer, violation=case, address=good, email="not-an-email")
    with pytest.raises(ValidationError):
        services.violation_close_undeliverable(actor=approved.officer, violation=case, reason=" ")
    with pytest.raises(ValidationError):
        services.violation_close_undeliverable(actor=approved.officer, violation=case, reason="x" * 501)
    case.refresh_from_db()
    assert case.status == Violation.RETURNED


def test_work_list_acts_only_on_returned_cases(approved):
    case = services.notice_send(actor=SYSTEM, violation=approved.case)  # letter_sent, not returned
    with pytest.raises(ValidationError) as caught:
        services.letter_resend(actor=approved.officer, violation=case, address="Jl. Baru 2, Kota Bekasi")
    assert caught.value.code == "state"
    with pytest.raises(ValidationError):
        services.violation_close_undeliverable(actor=approved.officer, violation=case, reason="x")


def test_work_list_services_check_permission_and_scope(approved, make_user):
    case = _return_post_letter(services.notice_send(actor=SYSTEM, violation=approved.case), approved.officer)
    org = approved.etle.org
    depok = make_user("petugas-depok", "officer", org.dpk_satlantas)
    citizen_clerk = make_user("spkt", "officer", org.bks_spkt)
    nobody = make_user("warga")
    for person in (depok, citizen_clerk, nobody):
        with pytest.raises(PermissionDenied):
            services.letter_resend(actor=person, violation=case, address="Jl. Baru 2, Kota Bekasi")
        with pytest.raises(PermissionDenied):
            services.violation_close_undeliverable(actor=person, violation=case, reason="x")
    case.refresh_from_db()
    assert case.status == Violation.RETURNED


# --- Pages ------------------------------------------------------------------------------------------


def _signed_in(client, user):
    from bersih.core.testing import sign_in

    sign_in(client, user)
    return client


def _returned(approved):
    return _return_post_letter(services.notice_send(actor=SYSTEM, violation=approved.case), approved.officer)


def test_letter_pdf_and_messages_on_the_case_pages(client, approved, english_messages):
    from django.urls import reverse

    case = services.notice_send(actor=SYSTEM, violation=_with_contacts(approved.case))
    pdf_url = reverse("etle:letter-pdf", args=[case.tracking_number])
    _signed_in(client, approved.investigator)
    review_page = client.get(reverse("etle:review-case", args=[case.tracking_number])).content.decode()
    assert pdf_url in review_page and case.letter_number in review_page
    for label in ("Post", "Email", "SMS", "WhatsApp"):
        assert label in review_page
    client.logout()
    _signed_in(client, approved.officer)
    page = client.get(reverse("etle:staff-case", args=[case.tracking_number]))
    body = page.content.decode()
    assert page.status_code == 200 and pdf_url in body and "Budi Santoso" in body
    assert "style=" not in body and "<script>" not in body
    response = client.get(pdf_url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == case.letter.file.read()


def test_letter_pdf_refused_out_of_scope_and_to_the_public(client, approved, make_user):
    from django.urls import reverse

    case = services.notice_send(actor=SYSTEM, violation=approved.case)
    urls = [
        reverse("etle:letter-pdf", args=[case.tracking_number]),
        reverse("etle:staff-case", args=[case.tracking_number]),
    ]
    for url in urls:
        assert client.get(url).status_code == 302  # to the sign-in page
    _signed_in(client, make_user("petugas-depok", "officer", approved.etle.org.dpk_satlantas))
    for url in urls:
        assert client.get(url).status_code == 404
    client.logout()
    _signed_in(client, make_user("pengantar", "officer", approved.etle.org.bks_spkt))
    for url in urls:
        assert client.get(url).status_code == 404  # another unit of the same Polres


def test_letter_pdf_404_before_a_letter(client, approved):
    from django.urls import reverse

    _signed_in(client, approved.officer)
    assert client.get(reverse("etle:letter-pdf", args=[approved.case.tracking_number])).status_code == 404


def test_work_list_page_lists_returned_letters(client, approved, english_messages):
    from bersih.core.navigation import navigation_for

    case = _returned(approved)
    _signed_in(client, approved.officer)
    from django.urls import reverse

    page = client.get(reverse("etle:wrong-address"))
    body = page.content.decode()
    assert page.status_code == 200
    assert case.tracking_number in body and "Address not found" in body and "Budi Santoso" in body
    assert "style=" not in body and "<script>" not in body
    assert "etle-wrong-address" in [entry.key for entry in navigation_for(approved.officer)]
    detail = client.get(reverse("etle:wrong-address-case", args=[case.tracking_number]))
    assert detail.status_code == 200 and "Jl. Raya Tambun No. 1" in detail.content.decode()


def test_work_list_resend_through_the_page(client, approved, english_messages):
    from django.urls import reverse

    case = _returned(approved)
    _signed_in(client, approved.officer)
    url = reverse("etle:wrong-address-act", args=[case.tracking_number, "kirim-ulang"])
    response = client.post(url, {"address": "Jl. Melati 3, Kota Bekasi 17113", "phone": "", "email": ""})
    assert response.status_code == 302 and response["Location"] == reverse("etle:wrong-address")
    case.refresh_from_db()
    assert case.status == Violation.LETTER_SENT and case.letter_count == 2
    assert case.confirm_by == rules.resend_deadlines(timezone.localdate())[0]
    # Replayed: the case is no longer on the list, so the form answers 404 and nothing is sent again.
    assert client.post(url, {"address": "Jl. Melati 3, Kota Bekasi 17113"}).status_code == 404
    case.refresh_from_db()
    assert case.letter_count == 2


@pytest.mark.parametrize(
    "data",
    [
        {"address": ""},
        {"address": "x" * 301},
        {"address": "Tambun"},
        {"address": "Jl. Melati 3, Kota Bekasi", "phone": "abc"},
        {"address": "Jl. Melati 3, Kota Bekasi", "email": "nope"},
    ],
)
def test_work_list_bad_input_changes_nothing(client, approved, english_messages, data):
    from django.urls import reverse

    case = _returned(approved)
    _signed_in(client, approved.officer)
    entries = Entry.objects.count()
    url = reverse("etle:wrong-address-act", args=[case.tracking_number, "kirim-ulang"])
    response = client.post(url, data)
    assert response.status_code == 400
    assert 'class="errorlist' in response.content.decode()
    case.refresh_from_db()
    assert case.status == Violation.RETURNED and case.letter_count == 1
    assert Entry.objects.count() == entries


def test_work_list_close_through_the_page(client, approved, english_messages):
    from django.urls import reverse

    case = _returned(approved)
    _signed_in(client, approved.officer)
    url = reverse("etle:wrong-address-act", args=[case.tracking_number, "tutup"])
    assert client.post(url, {"reason": ""}).status_code == 400
    assert client.post(url, {"reason": "Alamat fiktif."}).status_code == 302
    case.refresh_from_db()
    assert case.status == Violation.CANCELLED and case.close_reason == "Alamat fiktif."
    assert (
        client.post(reverse("etle:wrong-address-act", args=[case.tracking_number, "hapus"])).status_code
        == 404
    )


def test_work_list_permissions_and_scope(client, approved, make_user):
    from django.urls import reverse

    case = _returned(approved)
    org = approved.etle.org
    list_url = reverse("etle:wrong-address")
    case_url = reverse("etle:wrong-address-case", args=[case.tracking_number])
    act_url = reverse("etle:wrong-address-act", args=[case.tracking_number, "tutup"])
    assert client.get(list_url).status_code == 302  # anonymous: to sign in
    _signed_in(client, make_user("warga", None))
    assert client.get(list_url).status_code == 403  # no traffic role
    client.logout()
    depok = make_user("petugas-depok", "officer", org.dpk_satlantas)
    _signed_in(client, depok)
    assert client.get(list_url).status_code == 200
    assert case.tracking_number not in client.get(list_url).content.decode()
    assert client.get(case_url).status_code == 404  # another Polres's case
    assert client.post(act_url, {"reason": "x"}).status_code == 404
    case.refresh_from_db()
    assert case.status == Violation.RETURNED


def test_work_list_query_count_is_flat(client, approved):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from bersih.etle.testing import event

    _returned(approved)
    _signed_in(client, approved.officer)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("etle:wrong-address")).status_code == 200
        return len(captured)

    one = queries()
    items = [event(200 + n, plate=f"B {3000 + n} FAB", event_id=f"ret-{n}") for n in range(3)]
    services.captures_ingest(actor=approved.etle.client.client, camera=approved.etle.camera, items=items)
    Violation.objects.exclude(pk=approved.case.pk).update(
        status=Violation.RETURNED,
        owner_name="Siti",
        owner_address="Jl. Mawar 1, Kota Bekasi",
        returned_at=timezone.now(),
        return_reason="penerima_pindah",
    )
    assert Violation.objects.filter(status=Violation.RETURNED).count() == 4
    assert queries() == one

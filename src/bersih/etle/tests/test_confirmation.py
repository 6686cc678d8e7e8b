"""The owner's answer (services.confirmation): each answer, deadlines, the court date, disputes decided."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from bersih.core.identity import nik_check
from bersih.etle import rules, services
from bersih.etle.models import Confirmation, ConfirmationUpload, Payment, Violation
from bersih.etle.testing import png_bytes
from bersih.ledger.models import Entry

pytestmark = pytest.mark.usefixtures("english_messages")

NIK = "3216061203850007"  # Kabupaten Bekasi (32 16), born 12 March 1985
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def upload(name="photo.png", data=None, content_type="image/png"):
    return SimpleUploadedFile(name, png_bytes() if data is None else data, content_type=content_type)


def entries(case, action):
    return list(Entry.objects.filter(subject_id=str(case.pk), action=action).order_by("seq"))


def refreshed(case):
    case.refresh_from_db()
    return case


# --- I was driving ------------------------------------------------------------------------------------


def test_i_was_driving_confirms_the_case(sent):
    answer = services.confirmation_drove(violation=sent.case, client_address="203.0.113.7")
    case = refreshed(sent.case)
    assert case.status == Violation.CONFIRMED and case.confirmed_at == answer.answered_at
    assert answer.answer == Confirmation.DROVE
    # The client address is kept only as a keyed hash.
    assert answer.client_hash == services.client_hash("203.0.113.7") != "203.0.113.7"
    assert len(answer.client_hash) == 64 and "203.0.113.7" not in answer.client_hash
    (entry,) = entries(case, "etle.confirmation.answered")
    assert entry.data["before"]["status"] == "letter_sent" and entry.data["after"]["status"] == "confirmed"
    assert entry.data["answer"] == "drove"


def test_a_second_answer_changes_nothing(sent):
    services.confirmation_drove(violation=sent.case, client_address="x")
    before = refreshed(sent.case).updated_at
    for attempt in (
        lambda: services.confirmation_drove(violation=sent.case, client_address="x"),
        lambda: services.confirmation_other_driver(
            violation=sent.case,
            client_address="x",
            name="Andi",
            nik=NIK,
            address="Tambun",
            phone="081234567890",
        ),
        lambda: services.confirmation_sold(violation=sent.case, client_address="x", proof=upload()),
    ):
        with pytest.raises(ValidationError) as caught:
            attempt()
        assert caught.value.code == "answered"
    assert Confirmation.objects.filter(violation=sent.case).count() == 1
    assert refreshed(sent.case).updated_at == before
    assert len(entries(sent.case, "etle.confirmation.answered")) == 1


@pytest.mark.parametrize(
    "status", [Violation.APPROVED, Violation.PAID, Violation.CANCELLED, Violation.REJECTED]
)
def test_a_case_not_waiting_takes_no_answer(sent, status):
    Violation.objects.filter(pk=sent.case.pk).update(status=status)
    with pytest.raises(ValidationError) as caught:
        services.confirmation_drove(violation=sent.case, client_address="x")
    assert caught.value.code == "not_answerable"
    assert not Confirmation.objects.exists()


def test_a_returned_letter_may_still_be_answered_and_the_pause_ends(sent):
    Violation.objects.filter(pk=sent.case.pk).update(
        status=Violation.RETURNED, pause_reason=Violation.PAUSE_RETURNED_MAIL
    )
    services.confirmation_drove(violation=sent.case, client_address="x")
    case = refreshed(sent.case)
    assert case.status == Violation.CONFIRMED and case.pause_reason == ""


def test_the_deposit_opens_a_virtual_account_once(sent):
    services.confirmation_drove(violation=sent.case, client_address="x")
    payment = services.deposit_choose(violation=sent.case)
    case = refreshed(sent.case)
    assert case.payment_choice == Violation.DEPOSIT
    assert payment.amount == case.max_fine and payment.due_on == case.pay_by and len(payment.va_number) == 15
    with pytest.raises(ValidationError) as caught:
        services.deposit_choose(violation=sent.case)
    assert caught.value.code == "route_chosen"
    with pytest.raises(ValidationError):
        services.court_choose(violation=sent.case)
    assert Payment.objects.filter(violation=case).count() == 1
    assert entries(case, "etle.confirmation.route_chosen")[0].data["after"] == {"payment_choice": "deposit"}


def test_no_route_before_the_answer(sent):
    with pytest.raises(ValidationError) as caught:
        services.deposit_choose(violation=sent.case)
    assert caught.value.code == "not_confirmed"
    assert not Payment.objects.exists()


# --- The court route -----------------------------------------------------------------------------------


def test_court_hearing_date_and_payment_deadline(sent, settings, time_machine):
    settings.ETLE_HEARING_WEEKDAY, settings.ETLE_HEARING_NOTICE_DAYS, settings.ETLE_COURT_PAY_DAYS = 4, 3, 7
    time_machine.move_to(timezone.make_aware(timezone.datetime(2026, 12, 1, 10, 0)))  # a Tuesday (WIB)
    case = refreshed(sent.case)
    Violation.objects.filter(pk=case.pk).update(confirm_by=date(2026, 12, 2), pay_by=date(2026, 12, 9))
    services.confirmation_drove(violation=case, client_address="x")
    services.court_choose(violation=case)
    case = refreshed(case)
    # Tuesday + 3 days = Friday 4 December: that Friday is the hearing.
    assert case.payment_choice == Violation.COURT and case.hearing_on == date(2026, 12, 4)
    assert case.pay_by == date(2026, 12, 11)
    (entry,) = entries(case, "etle.confirmation.route_chosen")
    assert entry.data["after"]["court"] == "Pengadilan Negeri Bekasi"
    assert entry.data["before"]["pay_by"] == "2026-12-09"


@pytest.mark.parametrize(
    ("answer_day", "weekday", "notice", "hearing"),
    [
        (date(2026, 12, 1), 4, 3, date(2026, 12, 4)),  # Tue + 3 = Fri: that very Friday
        (date(2026, 12, 2), 4, 3, date(2026, 12, 11)),  # Wed + 3 = Sat: the next Friday
        (date(2026, 12, 4), 4, 3, date(2026, 12, 11)),  # answered on the hearing day itself
        (date(2026, 12, 4), 4, 0, date(2026, 12, 4)),  # no notice needed: the same day
        (date(2026, 12, 31), 0, 3, date(2027, 1, 4)),  # across the year: Thu + 3 = Sun → Monday
        (date(2028, 2, 25), 1, 3, date(2028, 2, 29)),  # leap day: Fri + 3 = Mon → Tuesday 29 Feb
    ],
)
def test_hearing_date_around_weekday_boundaries(settings, answer_day, weekday, notice, hearing):
    settings.ETLE_HEARING_WEEKDAY, settings.ETLE_HEARING_NOTICE_DAYS = weekday, notice
    assert rules.hearing_date(answer_day) == hearing


@given(
    day=st.dates(min_value=date(2020, 1, 1), max_value=date(2040, 12, 31)),
    weekday=st.integers(0, 4),
    notice=st.integers(0, 14),
)
def test_hearing_date_is_the_first_hearing_day_with_enough_notice(day, weekday, notice):
    hearing = rules.hearing_date(day, weekday=weekday, notice_days=notice)
    assert hearing.weekday() == weekday
    assert hearing - day >= timedelta(days=notice)
    assert hearing - day < timedelta(days=notice + 7)  # no earlier hearing day would do


# --- Someone else was driving ------------------------------------------------------------------------


def test_naming_the_driver_releases_the_owner(sent, time_machine):
    time_machine.move_to(timezone.now() + timedelta(days=2))
    answer = services.confirmation_other_driver(
        violation=sent.case,
        client_address="x",
        name="  Andi   Wijaya ",
        nik="3216 0612 0385 0007",
        address="Jl. Melati 3\nCikarang",
        phone="0812-3456-7890",
        email="andi@example.id",
    )
    case = refreshed(sent.case)
    today = timezone.localdate()
    assert answer.answer == Confirmation.OTHER_DRIVER
    assert case.status == Violation.APPROVED  # the letters step sends the driver a notice
    assert (case.driver_name, case.driver_nik, case.driver_phone, case.driver_email) == (
        "Andi Wijaya",
        NIK,
        "+6281234567890",
        "andi@example.id",
    )
    assert case.driver_address == "Jl. Melati 3\nCikarang"
    assert case.confirm_by == today + timedelta(days=rules.confirm_days())
    assert case.pay_by == today + timedelta(days=rules.pay_days())
    (entry,) = entries(case, "etle.confirmation.answered")
    assert entry.data["after"]["addressee"] == "driver"
    assert NIK not in str(entry.data) and "Andi" not in str(entry.data)


def test_the_named_driver_gets_a_notice_with_a_code_of_their_own(
    sent, settings, django_capture_on_commit_callbacks
):
    """The owner's code stops opening the case; the driver's letter goes out when the answer commits."""
    from bersih.notify.models import Message

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    owner_code = sent.case.reference_code
    with django_capture_on_commit_callbacks(execute=True):
        services.confirmation_other_driver(
            violation=sent.case,
            client_address="x",
            name="Andi Wijaya",
            nik=NIK,
            address="Jl. Melati 3, Cikarang Utara, Kabupaten Bekasi 17530",
            phone="081234567890",
            email="andi@example.id",
        )
    case = refreshed(sent.case)
    assert case.reference_code != owner_code
    assert case.status == Violation.LETTER_SENT and case.letter_id is not None
    to_driver = Message.objects.filter(subject_id=str(case.pk), recipient="andi@example.id", channel="email")
    assert to_driver.count() == 1 and case.reference_code in to_driver.get().body


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("nik", "12345", "16 digits"),
        ("nik", "321606120385000A", "16 digits"),
        ("nik", "9916061203850007", "region code"),  # no province 99
        ("nik", "3200061203850007", "region code"),  # regency 00
        ("nik", "3216063203850007", "date of birth"),  # day 32
        ("nik", "3216061213850007", "date of birth"),  # month 13
        ("nik", "3216063002850007", "date of birth"),  # 30 February
        ("nik", "3216061203850000", "0000"),
        ("phone", "12", "phone number"),
        ("name", "   ", "fill in"),
        ("email", "not-an-email", "email"),
    ],
)
def test_bad_driver_details_are_refused_with_a_clear_reason(sent, field, value, message):
    details = dict(name="Andi", nik=NIK, address="Tambun", phone="081234567890", email="")
    details[field] = value
    with pytest.raises(ValidationError) as caught:
        services.confirmation_other_driver(violation=sent.case, client_address="x", **details)
    assert message in " ".join(caught.value.message_dict[field]).lower() or message in " ".join(
        caught.value.message_dict[field]
    )
    assert refreshed(sent.case).status == Violation.LETTER_SENT
    assert not Confirmation.objects.exists()


def test_nik_of_a_woman_and_leap_days():
    assert nik_check("3216065203850007") == "3216065203850007"  # day 12 + 40
    assert nik_check("3216062902000001") == "3216062902000001"  # 29 Feb 2000
    with pytest.raises(ValidationError):
        nik_check("3216067203850007")  # day 32 + 40


# --- Disputes -----------------------------------------------------------------------------------------


def test_sold_with_proof_disputes_and_pauses(sent):
    answer = services.confirmation_sold(
        violation=sent.case,
        client_address="x",
        proof=upload("kwitansi.pdf", PDF, "application/pdf"),
        buyer_name="Sari",
        buyer_address="Cibitung",
    )
    case = refreshed(sent.case)
    assert case.status == Violation.DISPUTED and case.pause_reason == Violation.PAUSE_DISPUTE
    (link,) = answer.upload_links.all()
    assert link.role == rules.PROOF and link.file.content_type == "application/pdf"
    assert (answer.buyer_name, answer.buyer_address) == ("Sari", "Cibitung")
    (entry,) = entries(case, "etle.confirmation.answered")
    assert entry.data["uploads"] == {"proof": link.file.sha256} and entry.data["buyer_named"] is True


def test_not_mine_needs_all_three_uploads(sent):
    with pytest.raises(ValidationError) as caught:
        services.confirmation_not_mine(
            violation=sent.case, client_address="x", ktp=upload(), selfie=None, vehicle_photo=None
        )
    assert set(caught.value.message_dict) == {"selfie", "vehicle"}
    assert refreshed(sent.case).status == Violation.LETTER_SENT
    answer = services.confirmation_not_mine(
        violation=sent.case,
        client_address="x",
        ktp=upload(data=png_bytes((1, 2, 3))),
        selfie=upload(data=png_bytes((4, 5, 6))),
        vehicle_photo=upload(data=png_bytes((7, 8, 9))),
    )
    assert sorted(answer.upload_links.values_list("role", flat=True)) == ["ktp", "selfie", "vehicle"]
    assert refreshed(sent.case).status == Violation.DISPUTED


@pytest.mark.parametrize(
    ("content", "code_part"),
    [
        (b"", "empty"),
        (b"MZ\x90\x00 an executable, not a picture", "not an accepted type"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * (rules.MAX_UPLOAD_BYTES), "largest allowed"),
    ],
)
def test_bad_uploads_change_nothing(sent, content, code_part):
    with pytest.raises(ValidationError) as caught:
        services.confirmation_sold(violation=sent.case, client_address="x", proof=upload(data=content))
    assert code_part in " ".join(caught.value.message_dict["proof"])
    assert refreshed(sent.case).status == Violation.LETTER_SENT
    assert not Confirmation.objects.exists() and not ConfirmationUpload.objects.exists()


def test_a_pdf_is_no_selfie(sent):
    with pytest.raises(ValidationError) as caught:
        services.confirmation_not_mine(
            violation=sent.case,
            client_address="x",
            ktp=upload("ktp.pdf", PDF, "application/pdf"),
            selfie=upload("selfie.pdf", PDF, "application/pdf"),
            vehicle_photo=upload(),
        )
    assert set(caught.value.message_dict) == {"selfie"}


def dispute(sent, **fields):
    return services.confirmation_sold(violation=sent.case, client_address="x", proof=upload(), **fields)


def test_accepting_a_dispute_cancels_the_case(sent):
    dispute(sent)
    services.dispute_accept(actor=sent.investigator, violation=sent.case)
    case = refreshed(sent.case)
    assert case.status == Violation.CANCELLED and case.pause_reason == ""
    answer = Confirmation.objects.get(violation=case)
    assert answer.decision == Confirmation.ACCEPTED and answer.decided_by == sent.investigator
    (entry,) = entries(case, "etle.confirmation.dispute_accepted")
    assert entry.data["before"]["status"] == "disputed" and entry.data["after"]["status"] == "cancelled"
    assert entry.actor_id == str(sent.investigator.pk)


def test_accepting_a_sale_can_send_the_notice_to_the_buyer(sent):
    dispute(sent, buyer_name="Sari Lestari", buyer_address="Cibitung")
    services.dispute_accept(actor=sent.investigator, violation=sent.case, to_buyer=True)
    case = refreshed(sent.case)
    assert case.status == Violation.APPROVED
    assert (case.driver_name, case.driver_address) == ("Sari Lestari", "Cibitung")
    assert case.confirm_by == timezone.localdate() + timedelta(days=rules.confirm_days())


def test_no_buyer_no_redirect(sent):
    dispute(sent)
    with pytest.raises(ValidationError) as caught:
        services.dispute_accept(actor=sent.investigator, violation=sent.case, to_buyer=True)
    assert caught.value.code == "no_buyer"
    assert refreshed(sent.case).status == Violation.DISPUTED


def test_refusing_extends_both_deadlines_by_the_review_days(sent, time_machine):
    dispute(sent)
    case = refreshed(sent.case)
    confirm_by, pay_by = case.confirm_by, case.pay_by
    time_machine.move_to(timezone.now() + timedelta(days=4))
    services.dispute_refuse(actor=sent.investigator, violation=case, reason="The receipt is not signed.")
    case = refreshed(case)
    days = rules.dispute_extension_days(
        timezone.localtime(Confirmation.objects.get().answered_at).date(), timezone.localdate()
    )
    assert days == 5  # four days between, both ends counted
    assert case.confirm_by == confirm_by + timedelta(days=5) and case.pay_by == pay_by + timedelta(days=5)
    assert case.status == Violation.LETTER_SENT and case.pause_reason == ""
    (entry,) = entries(case, "etle.confirmation.dispute_refused")
    assert entry.data["extended_days"] == 5 and entry.data["reason"] == "The receipt is not signed."
    assert entry.data["before"]["confirm_by"] == confirm_by.isoformat()
    # The owner may now confirm, but not dispute again.
    assert services.dispute_refused_before(case)
    with pytest.raises(ValidationError) as caught:
        dispute(sent)
    assert caught.value.code == "dispute_refused"
    services.confirmation_drove(violation=case, client_address="x")
    assert refreshed(case).status == Violation.CONFIRMED


def test_refusal_needs_a_reason_and_a_dispute(sent):
    with pytest.raises(ValidationError):
        services.dispute_refuse(actor=sent.investigator, violation=sent.case, reason="no dispute yet")
    dispute(sent)
    with pytest.raises(ValidationError) as caught:
        services.dispute_refuse(actor=sent.investigator, violation=sent.case, reason="  ")
    assert "reason" in caught.value.message_dict
    assert refreshed(sent.case).status == Violation.DISPUTED


def test_only_investigators_of_the_unit_decide_disputes(sent):
    dispute(sent)
    for person in (sent.officer, sent.supervisor):
        with pytest.raises(PermissionDenied):
            services.dispute_accept(actor=person, violation=sent.case)
    with pytest.raises(PermissionDenied):
        services.dispute_refuse(actor=sent.depok, violation=sent.case, reason="not mine to decide")
    assert refreshed(sent.case).status == Violation.DISPUTED
    assert not Entry.objects.filter(action__startswith="etle.confirmation.dispute").exists()


def test_one_open_dispute_per_case_in_the_database(sent):
    from django.db import IntegrityError, transaction

    dispute(sent)
    with pytest.raises(IntegrityError), transaction.atomic():
        Confirmation.objects.create(
            violation=sent.case, answer=Confirmation.NOT_MINE, answered_at=timezone.now(), client_hash="x"
        )


# --- The public timeline -----------------------------------------------------------------------------


def test_the_timeline_shows_the_steps_without_private_data(sent):
    from bersih.core.tracking import parse, registration_for

    dispute(sent, buyer_name="Sari Lestari", buyer_address="Cibitung")
    services.dispute_refuse(actor=sent.investigator, violation=sent.case, reason="Receipt unsigned.")
    services.confirmation_drove(violation=sent.case, client_address="x")
    services.court_choose(violation=sent.case)
    number = parse(sent.case.tracking_number)
    steps = registration_for(number).provider().public_timeline(number, "B 1234 FAB")
    labels = [step.label for step in steps]
    assert labels[:3] == [
        "Recorded by a traffic camera",
        "Checked by an investigator",
        "Confirmation letter sent",
    ]
    assert "Disputed: the vehicle was sold" in labels
    assert "Dispute refused by an officer; the letter stands" in labels
    assert "Confirmed: the driver accepts the violation" in labels
    assert labels[-1] == "Court hearing scheduled"
    shown = " ".join(f"{s.label} {s.note}" for s in steps)
    for private in ("Sari", "Cibitung", "Receipt unsigned", "Budi", sent.investigator.username):
        assert private not in shown

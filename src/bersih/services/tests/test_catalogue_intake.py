"""Online intake of the Sipmas request services and intake at the responsible unit's counter: the form
each service needs, its uploads and their errors, the receipt with the secret shown once, the rate
limit, and who may take requests at a counter."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from bersih.core.testing import sign_in
from bersih.documents.models import StoredFile
from bersih.ledger.models import Entry
from bersih.services import catalogue_forms, rules
from bersih.services.models import Case
from bersih.services.services import secret_matches
from bersih.services.testing import NIK, PDF_BYTES

pytestmark = pytest.mark.django_db
WIB = ZoneInfo("Asia/Jakarta")
TODAY = date(2026, 11, 27)  # a Friday
SCRIPT = "<script>alert('x')</script>"


@pytest.fixture(autouse=True)
def friday(time_machine, settings, tmp_path):
    time_machine.move_to(datetime(2026, 11, 27, 10, 0, tzinfo=WIB))
    settings.MEDIA_ROOT = tmp_path / "files"
    settings.RATE_LIMITS_ENABLED = False


def url(code: str) -> str:
    return reverse("services:request-form", kwargs={"code": code})


def pdf(name: str, salt: str = "") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES + f"% {name} {salt}\n".encode(), content_type="application/pdf")


SERVICE_FIELDS = {
    "skck": {"purpose": "job", "purpose_detail": "PT Maju Jaya"},
    "sktlk": {
        "item_kind": "ktp",
        "item_identifier": "KTP atas nama Siti",
        "place_lost": "Pasar Baru Bekasi",
        "date_lost": "2026-11-26",
        "circumstances": "Terjatuh saat berbelanja",
    },
    "lp": {
        "what": "Pencurian sepeda motor",
        "chronology": "Motor diparkir di depan rumah, pagi hari sudah hilang.",
        "where": "Jl. Melati 3, Bekasi",
        "when": "2026-11-25",
        "time": "02:30",
        "who": "Dua orang tidak dikenal",
    },
    "keramaian": {
        "event_name": "Pesta pernikahan Budi dan Ani",
        "event_kind": "wedding",
        "event_date": "2026-12-12",
        "start_time": "09:00",
        "end_time": "22:00",
        "venue": "Gedung Serbaguna Bekasi",
        "attendance": "500",
        "organiser": "Keluarga Budi",
    },
}


def files_for(code: str, salt: str = "") -> dict:
    return {
        f"file_{r.code}": pdf(f"{r.code}.pdf", salt)
        for r in rules.SERVICES[code].requirements
        if r.upload and r.required
    }


def data(code: str, *, polres: str | None = "bks", files: bool = True, **overrides) -> dict:
    values = {
        "polres": polres,
        "full_name": "Siti Aminah",
        "nik": NIK,
        "phone": "0812-3456-7890",
        "email": "",
        "preferred_channel": "whatsapp",
        "address": "Jl. Kenanga 5, Bekasi",
        **SERVICE_FIELDS[code],
        **(files_for(code) if files else {}),
    }
    values.update(overrides)
    return {key: value for key, value in values.items() if value is not None}


def submit(client, code: str, **overrides):
    return client.post(url(code), data(code, **overrides))


# --- The forms --------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", rules.REQUEST_SERVICES)
@pytest.mark.parametrize("language", ["id", "en"])
def test_each_request_form_renders_its_fields_and_an_upload_per_requirement(client, org, code, language):
    client.cookies["bersih_language"] = language
    response = client.get(url(code))
    assert response.status_code == 200
    page = response.content.decode()
    assert f'<html lang="{language}">' in page
    assert 'enctype="multipart/form-data"' in page
    for spec in catalogue_forms.INTAKE_FIELDS[code]:
        assert f'name="{spec.name}"' in page
    for requirement in rules.SERVICES[code].requirements:
        if requirement.upload:
            assert f'name="file_{requirement.code}"' in page
    assert page.count(" multiple") >= sum(1 for r in rules.SERVICES[code].requirements if r.upload)
    # Two Polres in this installation: a choice.
    assert 'name="polres"' in page and org.dpk.name in page


@pytest.mark.parametrize("code", ["dumas", "sim", "etle", "nothing"])
def test_services_not_requested_here_have_no_form(client, org, code):
    assert client.get(url(code)).status_code == 404


def test_an_online_sktlk_request_becomes_a_case_with_its_details_and_files(client, org):
    response = submit(client, "sktlk")
    assert response.status_code == 302 and response["Location"] == reverse("services:request-done")
    case = Case.objects.get()
    assert case.service == "sktlk" and case.channel == "web" and case.unit == org.bks_spkt
    assert case.title == "KTP atas nama Siti" and case.address == "Pasar Baru Bekasi"
    assert case.occurred_on == date(2026, 11, 26) and case.description == "Terjatuh saat berbelanja"
    assert case.details == {"item_kind": "ktp"}
    assert case.requester.nik == NIK and case.requester.phone == "+6281234567890"
    assert case.requester.preferred_channel == "whatsapp"
    assert list(case.attachments.values_list("requirement", flat=True)) == ["ktp"]
    assert Entry.objects.filter(action="services.case.submitted", subject_ref=case.tracking_number).exists()


@pytest.mark.parametrize(
    ("code", "unit", "details"),
    [
        ("skck", "bks_intelkam", {"purpose": "job", "purpose_detail": "PT Maju Jaya"}),
        ("lp", "bks_spkt", {"time": "02:30", "who": "Dua orang tidak dikenal"}),
        (
            "keramaian",
            "bks_intelkam",
            {
                "event_kind": "wedding",
                "start_time": "09:00",
                "end_time": "22:00",
                "attendance": 500,
                "organiser": "Keluarga Budi",
            },
        ),
    ],
)
def test_each_service_files_its_own_details(client, org, code, unit, details):
    assert submit(client, code).status_code == 302
    case = Case.objects.get()
    assert case.unit == getattr(org, unit) and case.details == details
    assert case.title
    if code == "skck":
        assert "PT Maju Jaya" in case.title
    if code == "keramaian":
        assert case.occurred_on == date(2026, 12, 12) and case.address == "Gedung Serbaguna Bekasi"


def test_another_polres_can_be_chosen(client, org):
    assert submit(client, "sktlk", polres="dpk").status_code == 302
    assert Case.objects.get().unit == org.dpk_spkt


# --- Bad input ---------------------------------------------------------------------------------------


def assert_refused(response, field: str | None = None, text: str = ""):
    assert response.status_code == 400
    form = response.context["form"]
    if field:
        assert field in form.errors, form.errors
        if text:
            assert text in " ".join(form.errors[field])
    else:
        assert form.non_field_errors()
        if text:
            assert text in " ".join(form.non_field_errors())
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    ("code", "missing"),
    [
        ("sktlk", "full_name"),
        ("sktlk", "nik"),
        ("sktlk", "item_kind"),
        ("sktlk", "item_identifier"),
        ("sktlk", "place_lost"),
        ("sktlk", "date_lost"),
        ("sktlk", "polres"),
        ("lp", "what"),
        ("lp", "chronology"),
        ("lp", "where"),
        ("lp", "when"),
        ("keramaian", "event_name"),
        ("keramaian", "event_date"),
        ("keramaian", "venue"),
        ("keramaian", "attendance"),
        ("skck", "purpose"),
    ],
)
def test_a_missing_required_field_is_named(client, org, code, missing):
    assert_refused(submit(client, code, **{missing: ""}), missing)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("nik", "123"),
        ("nik", "3275011705900000"),
        ("phone", "12"),
        ("email", "not-an-email"),
        ("item_kind", "spaceship"),
        ("date_lost", "2026-13-45"),
        ("date_lost", "2026-11-28"),  # tomorrow: a loss is not in the future
        ("polres", "nowhere"),
        ("polres", "bks-spkt"),
        ("item_identifier", "x" * 121),
        ("preferred_channel", "pigeon"),
    ],
)
def test_a_malformed_field_is_refused_with_its_error(client, org, field, value):
    assert_refused(submit(client, "sktlk", **{field: value}), field)


def test_a_wrong_nik_says_why(client, org):
    assert_refused(submit(client, "skck", nik="1234"), "nik")
    client.cookies["bersih_language"] = "en"
    response = submit(client, "skck", nik="1234")
    assert "A NIK is 16 digits" in response.content.decode()


def test_a_contact_is_needed_and_must_fit_the_preferred_channel(client, org):
    assert_refused(submit(client, "sktlk", phone="", email="", preferred_channel=""), "phone")
    assert_refused(submit(client, "sktlk", phone="", email="siti@example.id"), "preferred_channel")
    assert_refused(submit(client, "sktlk", preferred_channel="email"), "preferred_channel")
    assert (
        submit(client, "sktlk", phone="", email="siti@example.id", preferred_channel="email").status_code
        == 302
    )


def test_a_crowd_permit_must_be_asked_for_the_lead_days_ahead(client, org):
    too_soon = TODAY + timedelta(days=rules.CROWD_PERMIT_LEAD_DAYS - 1)
    assert_refused(submit(client, "keramaian", event_date=too_soon.isoformat()), "event_date")
    assert_refused(submit(client, "keramaian", event_date="2026-11-20"), "event_date")
    earliest = TODAY + timedelta(days=rules.CROWD_PERMIT_LEAD_DAYS)
    assert submit(client, "keramaian", event_date=earliest.isoformat()).status_code == 302


@pytest.mark.parametrize("value", ["0", "-5", "lots", "1000001"])
def test_attendance_is_a_sensible_number(client, org, value):
    assert_refused(submit(client, "keramaian", attendance=value), "attendance")


def test_missing_required_uploads_are_named_per_requirement(client, org):
    uploads = files_for("skck")
    del uploads["file_kk"], uploads["file_photo"]
    response = client.post(url("skck"), {**data("skck", files=False), **uploads})
    assert_refused(response, "file_kk")
    assert "file_photo" in response.context["form"].errors
    assert "file_ktp" not in response.context["form"].errors
    assert not StoredFile.objects.exists()


def test_an_optional_upload_may_be_left_out_and_the_counter_only_requirement_is_not_asked(client, org):
    page = client.get(url("skck")).content.decode()
    assert 'name="file_fingerprints"' not in page  # taken at the counter
    assert submit(client, "sktlk").status_code == 302  # without the optional proof of ownership


def test_a_wrongly_typed_file_is_refused_on_its_field(client, org):
    fake = SimpleUploadedFile("ktp.pdf", b"MZ\x90\x00" + b"\x00" * 200, content_type="application/pdf")
    response = submit(client, "sktlk", file_ktp=fake)
    assert_refused(response, "file_ktp", "ktp.pdf")
    page = response.content.decode()
    assert 'aria-invalid="true"' in page
    assert not StoredFile.objects.exists()


def test_an_empty_file_is_refused(client, org):
    empty = SimpleUploadedFile("ktp.pdf", b"", content_type="application/pdf")
    assert_refused(submit(client, "sktlk", file_ktp=empty), "file_ktp")


def test_an_oversized_file_is_refused_on_its_field(client, org, monkeypatch):
    monkeypatch.setattr(catalogue_forms, "UPLOAD_MAX_BYTES", len(PDF_BYTES) + 200)
    big = SimpleUploadedFile("ktp.pdf", PDF_BYTES + b"%" + b"x" * 500, content_type="application/pdf")
    response = submit(client, "sktlk", file_ktp=big, file_proof=pdf("proof.pdf"))
    assert_refused(response, "file_ktp", "ktp.pdf")
    assert "file_proof" not in response.context["form"].errors
    assert not StoredFile.objects.exists()


def test_too_many_files_are_refused(client, org):
    many = [pdf(f"bukti-{n}.pdf") for n in range(rules.MAX_ATTACHMENTS)]
    response = client.post(url("lp"), {**data("lp"), "file_evidence": many})
    assert_refused(response, None, str(rules.MAX_ATTACHMENTS))
    assert not StoredFile.objects.exists()
    few = [pdf(f"bukti-{n}.pdf") for n in range(rules.MAX_ATTACHMENTS - 1)]
    assert client.post(url("lp"), {**data("lp"), "file_evidence": few}).status_code == 302
    assert Case.objects.get().attachments.count() == rules.MAX_ATTACHMENTS


def test_markup_in_text_fields_is_escaped_on_every_page_that_shows_it(client, org):
    refused = submit(client, "lp", full_name=SCRIPT, what=SCRIPT, nik="1")
    assert refused.status_code == 400
    assert SCRIPT not in refused.content.decode()
    assert "&lt;script&gt;" in refused.content.decode()
    assert submit(client, "lp", full_name=SCRIPT, what=SCRIPT, who=SCRIPT).status_code == 302
    case = Case.objects.get()
    assert case.title == SCRIPT and case.requester.full_name == SCRIPT  # stored as typed
    done = client.get(reverse("services:request-done")).content.decode()
    assert SCRIPT not in done and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in done


def test_a_polres_without_the_responsible_unit_is_refused_with_the_reason(client, org):
    org.dpk_spkt.active = False
    org.dpk_spkt.save()
    assert_refused(submit(client, "sktlk", polres="dpk"), None)


# --- The receipt and the secret ------------------------------------------------------------------------


def test_the_secret_is_shown_once_and_opens_the_case(client, org):
    submit(client, "sktlk")
    case = Case.objects.get()
    first = client.get(reverse("services:request-done"))
    assert first.status_code == 200
    assert "no-store" in first["Cache-Control"]
    page = first.content.decode()
    assert case.tracking_number in page
    secret = first.context["secret"]
    assert secret and secret in page and secret_matches(case.secret_digest, secret)
    assert f"/lacak/?nomor={case.tracking_number}" in page and "<svg" in page
    again = client.get(reverse("services:request-done"))
    assert again.status_code == 200
    page = again.content.decode()
    assert case.tracking_number in page and secret not in page and "data-secret-gone" in page
    assert secret not in str(dict(client.session))


def test_the_receipt_page_without_a_request_goes_to_the_catalogue(client, org):
    response = client.get(reverse("services:request-done"))
    assert response.status_code == 302 and response["Location"] == reverse("services:catalogue")


# --- Rate limit ---------------------------------------------------------------------------------------


@pytest.fixture
def rate_limited(settings):
    call_command("createcachetable", verbosity=0)
    cache.clear()
    settings.RATE_LIMITS_ENABLED = True
    yield
    cache.clear()


def test_intake_is_rate_limited_per_address(client, org, rate_limited):
    for _n in range(rules.INTAKE_PER_HOUR):
        assert submit(client, "sktlk", nik="1").status_code == 400  # refused input counts too
    response = submit(client, "sktlk")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert not Case.objects.exists()
    other = client.post(url("sktlk"), data("sktlk"), REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 302
    assert client.get(url("sktlk")).status_code == 200  # reading the form is not limited


# --- Counter intake -------------------------------------------------------------------------------------


def counter_url(code: str) -> str:
    return reverse("services:counter-intake", kwargs={"code": code})


def counter_data(code: str, **overrides) -> dict:
    values = data(code, polres=None, files=False, phone="", preferred_channel="")
    values["requirements_checked"] = [r.code for r in rules.SERVICES[code].requirements if r.required]
    values.update(overrides)
    return values


def test_counter_intake_files_a_counter_case_and_prints_the_secret_once(client, org, staff):
    sign_in(client, staff.spkt)
    assert client.get(counter_url("sktlk")).status_code == 200
    response = client.post(counter_url("sktlk"), counter_data("sktlk"))
    assert response.status_code == 302 and response["Location"] == reverse("services:counter-done")
    case = Case.objects.get()
    assert case.channel == "counter" and case.unit == org.bks_spkt
    assert case.details["requirements_checked"] == ["ktp"]
    assert not case.attachments.exists()
    assert case.events.get().actor == staff.spkt
    first = client.get(reverse("services:counter-done"))
    secret = first.context["secret"]
    assert secret_matches(case.secret_digest, secret) and secret in first.content.decode()
    assert secret not in client.get(reverse("services:counter-done")).content.decode()


def test_counter_intake_needs_each_required_document_seen(client, org, staff):
    sign_in(client, staff.intelkam)
    response = client.post(counter_url("skck"), counter_data("skck", requirements_checked=["ktp"]))
    assert_refused(response, "requirements_checked")
    assert client.post(counter_url("skck"), counter_data("skck")).status_code == 302
    assert Case.objects.get().unit == org.bks_intelkam


def test_counter_intake_escapes_markup_on_the_receipt(client, org, staff):
    sign_in(client, staff.spkt)
    assert (
        client.post(counter_url("lp"), counter_data("lp", full_name=SCRIPT, what=SCRIPT)).status_code == 302
    )
    page = client.get(reverse("services:counter-done")).content.decode()
    assert SCRIPT not in page and "&lt;script&gt;" in page


def test_counter_intake_is_only_for_the_responsible_units_staff(client, org, staff, make_user):
    assert client.get(counter_url("sktlk")).status_code == 302  # sign in first
    sign_in(client, staff.satlantas)  # an officer of a unit that takes no requests
    assert client.get(counter_url("sktlk")).status_code == 403
    assert client.post(counter_url("sktlk"), counter_data("sktlk")).status_code == 403
    sign_in(client, staff.intelkam)  # an officer of another request unit: not this service's counter
    assert client.get(counter_url("sktlk")).status_code == 404
    assert client.get(counter_url("skck")).status_code == 200
    assert client.get(counter_url("dumas")).status_code == 404
    for person in (staff.kapolres, staff.oversight, make_user("clerk", "counter_clerk", org.bks_spkt)):
        sign_in(client, person)
        assert client.get(counter_url("sktlk")).status_code == 403
        assert client.get(reverse("services:counter-home")).status_code == 403
    assert not Case.objects.exists()


def test_counter_home_lists_the_persons_services_and_the_staff_home_links_it(client, org, staff):
    sign_in(client, staff.spkt)
    page = client.get(reverse("services:counter-home")).content.decode()
    assert counter_url("sktlk") in page and counter_url("lp") in page
    assert counter_url("skck") not in page
    home = client.get(reverse("core:staff-home")).content.decode()
    assert reverse("services:counter-home") in home
    sign_in(client, staff.satlantas)
    assert reverse("services:counter-home") not in client.get(reverse("core:staff-home")).content.decode()


def test_a_single_polres_installation_asks_no_polres(client, org):
    org.dpk.active = False
    org.dpk.save()
    page = client.get(url("sktlk")).content.decode()
    assert 'name="polres"' not in page
    assert submit(client, "sktlk", polres=None).status_code == 302
    assert Case.objects.get().unit == org.bks_spkt

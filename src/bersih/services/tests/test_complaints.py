"""The public complaint page: categories, privacy modes, evidence, the secret shown once, the slip and
the rate limit."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from bersih.ledger.models import Entry
from bersih.notify.models import Message
from bersih.services import rules
from bersih.services.models import Case, Requester
from bersih.services.services import secret_matches
from bersih.services.testing import PDF_BYTES

pytestmark = pytest.mark.django_db
FORM = "/layanan/pengaduan/"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
    b"\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


def _data(org, **overrides):
    data = {
        "polres": org.bks.code,
        "category": "pungli",
        "privacy": "anonim",
        "title": "Diminta uang di loket",
        "description": "Petugas meminta Rp200.000 di loket SKCK pada pagi hari.",
        "address": "Loket SKCK",
        "occurred_on": "2026-11-02",
        "complained_unit": "",
        "full_name": "",
        "phone": "",
        "email": "",
    }
    data.update(overrides)
    return data


def test_the_urls_are_the_agreed_ones():
    assert reverse("services:complaint-form") == FORM
    assert reverse("services:complaint-done") == "/layanan/pengaduan/selesai/"


def test_the_form_explains_categories_privacy_and_what_a_good_report_says(client, org, english_messages):
    html = client.get(FORM).content.decode()
    for code in rules.COMPLAINT_CATEGORIES:
        assert f'value="{code}"' in html
    for mode in rules.PRIVACY_MODES:
        assert f'value="{mode}"' in html
    assert "Siwas" in html and "Propam" in html and "never sees them" in html
    assert "keep nothing that identifies you" in html
    assert "where, when, who" in html
    # Units of the Polres may be complained about; the Polres itself is not one of them.
    units = re.search(r'<select name="complained_unit".*?</select>', html, re.S).group(0)
    assert f'value="{org.bks_satlantas.code}"' in units and f'value="{org.bks.code}"' not in units


def test_an_anonymous_pungli_report_keeps_no_identity_even_if_typed(client, org):
    data = _data(org, full_name="Budi Santoso", phone="0812 3456 7890", email="budi@example.id")
    data["evidence"] = [SimpleUploadedFile("foto.png", PNG), SimpleUploadedFile("kuitansi.pdf", PDF_BYTES)]
    response = client.post(FORM, data)
    assert response.status_code == 302 and response["Location"] == reverse("services:complaint-done")
    case = Case.objects.get()
    assert case.privacy == "anonim" and case.category == "pungli" and case.channel == "web"
    assert case.unit == org.bks_siwas  # pungli goes only to internal supervision
    assert not Requester.objects.exists()
    assert case.attachments.count() == 2
    assert not Message.objects.filter(template="services.case_received").exists()
    entry = Entry.objects.get(action="services.case.submitted")
    assert "Budi" not in entry.body and "budi@" not in entry.body


def test_the_secret_is_shown_once_and_works_then_a_reload_shows_no_secret(client, org):
    client.post(FORM, _data(org))
    case = Case.objects.get()
    page = client.get(reverse("services:complaint-done")).content.decode()
    assert case.tracking_number in page
    secret = re.search(r"data-secret>([0-9A-Z-]+)<", page).group(1)
    assert secret_matches(case.secret_digest, secret)
    again = client.get(reverse("services:complaint-done")).content.decode()
    assert secret not in again and case.tracking_number not in again
    # The slip downloads once, with both codes and where to follow.
    slip = client.get(reverse("services:complaint-slip"))
    assert slip.status_code == 200 and slip["Content-Disposition"].startswith("attachment")
    text = slip.content.decode()
    assert case.tracking_number in text and secret in text and "/lacak/" in text
    assert client.get(reverse("services:complaint-slip")).status_code == 302


def test_a_named_complaint_needs_a_name_and_tells_the_reporter_without_the_secret(client, org):
    response = client.post(FORM, _data(org, category="service_quality", privacy="named"))
    assert response.status_code == 400 and "full_name" in response.context["form"].errors
    assert not Case.objects.exists()
    response = client.post(
        FORM,
        _data(org, category="service_quality", privacy="named", full_name="Siti", email="siti@example.id"),
    )
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.requester.full_name == "Siti" and case.unit == org.bks_siwas
    message = Message.objects.get(template="services.case_received")
    assert message.recipient == "siti@example.id" and case.tracking_number in message.body


def test_misconduct_about_a_unit_goes_to_propam_and_the_unit_does_not_see_it(client, org, staff):
    response = client.post(
        FORM,
        _data(
            org, category="misconduct", privacy="rahasia", full_name="Rina", complained_unit="bks-satlantas"
        ),
    )
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.unit == org.bks_propam and case.complained_unit == org.bks_satlantas
    assert not Case.objects.restrict(staff.satlantas).filter(pk=case.pk).exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"category": "gossip"}, "category"),
        ({"privacy": "public"}, "privacy"),
        ({"title": ""}, "title"),
        ({"description": ""}, "description"),
        ({"description": "x" * (rules.DESCRIPTION_MAX + 1)}, "description"),
        ({"complained_unit": "dpk-satlantas"}, "complained_unit"),  # another Polres's unit
        ({"complained_unit": "bks"}, "complained_unit"),  # the Polres itself
        ({"occurred_on": "2999-01-01"}, "occurred_on"),
        ({"privacy": "named", "full_name": "Siti", "email": "not-an-address"}, "email"),
        ({"privacy": "named", "full_name": "Siti", "phone": "12"}, "phone"),
    ],
)
def test_bad_input_is_refused_with_the_field_named_and_writes_nothing(client, org, overrides, field):
    response = client.post(FORM, _data(org, **overrides))
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not Case.objects.exists()


def test_evidence_of_a_wrong_type_too_big_or_too_many_is_refused(client, org, settings):
    for files in (
        [SimpleUploadedFile("script.pdf", b"<script>alert(1)</script>")],
        [SimpleUploadedFile(f"f{i}.pdf", PDF_BYTES + bytes([i])) for i in range(rules.MAX_ATTACHMENTS + 1)],
    ):
        response = client.post(FORM, {**_data(org), "evidence": files})
        assert response.status_code == 400 and "evidence" in response.context["form"].errors
    # A file over the limit: refused whole by the request size limit or by the file check.
    big = [SimpleUploadedFile("big.pdf", PDF_BYTES + b"0" * (10 * 1024 * 1024))]
    assert client.post(FORM, {**_data(org), "evidence": big}).status_code in (400, 413)
    assert not Case.objects.exists()


def test_html_in_the_report_is_escaped_on_the_confirmation(client, org):
    client.post(FORM, _data(org, title="<script>alert(1)</script>"))
    case = Case.objects.get()
    assert case.title == "<script>alert(1)</script>"
    assert "<script>alert" not in client.get(reverse("services:complaint-done")).content.decode()


def test_intake_is_rate_limited_per_address(client, org):
    for _ in range(rules.INTAKE_PER_HOUR):
        assert client.post(FORM, _data(org), REMOTE_ADDR="198.51.100.4").status_code == 302
    refused = client.post(FORM, _data(org), REMOTE_ADDR="198.51.100.4")
    assert refused.status_code == 429 and refused["Retry-After"]
    assert Case.objects.count() == rules.INTAKE_PER_HOUR
    assert client.post(FORM, _data(org), REMOTE_ADDR="198.51.100.5").status_code == 302


def test_a_file_over_the_evidence_limit_is_named_in_the_form(client, org, monkeypatch):
    from bersih.documents import rules as document_rules

    monkeypatch.setattr(document_rules, "MAX_PDF_BYTES", 200)
    big = SimpleUploadedFile("besar.pdf", PDF_BYTES + b"0" * 300)
    response = client.post(FORM, {**_data(org), "evidence": [big]})
    assert response.status_code == 400
    assert "besar.pdf" in str(response.context["form"].errors["evidence"])
    assert not Case.objects.exists()

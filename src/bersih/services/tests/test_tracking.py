"""/lacak/: any module's number with its second factor; typos said before any lookup; wrong numbers
and wrong factors alike, and rate-limited; a Sipmas reporter reads the officer's messages and answers."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from bersih.core.tracking import new_tracking_number
from bersih.services import services
from bersih.services.models import CaseEvent
from bersih.services.testing import PDF_BYTES, file_complaint, file_request

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_messages")]
LACAK = "/lacak/"


def _typo(number: str) -> str:
    """The number with one character of its random part changed."""
    index = number.index("-", 5) + 1
    char = number[index]
    return number[:index] + ("A" if char != "A" else "B") + number[index + 1 :]


def _open(client, number, code, **extra):
    return client.post(LACAK, {"nomor": number, "kode": code}, **extra)


def test_the_urls_are_the_agreed_ones():
    assert reverse("tracking:lookup") == LACAK and reverse("tracking:reply") == "/lacak/balas/"


def test_the_home_page_link_with_a_number_asks_for_the_second_factor(client, org):
    number = file_complaint(org).case.tracking_number
    response = client.get(LACAK, {"nomor": number.lower().replace("-", " ")})
    html = response.content.decode()
    assert response.status_code == 200 and "the secret code shown when you filed it" in html
    assert f'value="{number}"' in html


def test_a_typo_is_caught_by_the_check_character_before_any_lookup(client, org):
    number = file_complaint(org).case.tracking_number
    for _ in range(15):  # never counted as guesses: more than the limit, never blocked
        response = _open(client, _typo(number), "whatever")
        assert response.status_code == 400
    assert "probably a typo" in response.content.decode() and "data-typo" in response.content.decode()
    assert client.get(LACAK, {"nomor": "ADU-2026"}).status_code == 400
    unknown = new_tracking_number("ZZZ")
    assert "No service uses numbers beginning with ZZZ" in _open(client, unknown, "x").content.decode()


def test_a_sipmas_case_opens_with_its_secret_and_shows_only_public_steps(client, org, staff):
    submitted = file_complaint(org, privacy="named")
    case = submitted.case
    services.case_note(actor=staff.siwas, case=case, text="Catatan internal rahasia", public=False)
    services.case_note(actor=staff.siwas, case=case, text="Mohon kirim foto kuitansi", public=True)
    response = _open(client, case.tracking_number, submitted.secret.lower().replace("-", ""))
    assert response.status_code == 302 and response["Location"] == LACAK
    html = client.get(LACAK).content.decode()
    assert case.tracking_number in html and "Received" in html
    assert "Mohon kirim foto kuitansi" in html
    assert "Catatan internal rahasia" not in html
    assert "Budi" not in html and "budi@example.id" not in html and staff.siwas.username not in html
    assert submitted.secret not in html  # the secret is never written back into a page or URL


def test_wrong_number_and_wrong_secret_answer_alike(client, org):
    submitted = file_complaint(org)
    wrong_secret = _open(client, submitted.case.tracking_number, "AAAAA-AAAAA")
    unknown = _open(client, new_tracking_number("ADU"), submitted.secret)
    assert wrong_secret.status_code == unknown.status_code == 404
    assert wrong_secret.context["error"] == unknown.context["error"]
    assert "Not found, or the code does not match" in wrong_secret.content.decode()


def test_brute_force_is_refused_even_with_the_right_secret_after_the_limit(client, org):
    submitted = file_complaint(org)
    number = submitted.case.tracking_number
    for _ in range(10):
        assert _open(client, number, "AAAAA-AAAAA", REMOTE_ADDR="203.0.113.50").status_code == 404
    blocked = _open(client, number, submitted.secret, REMOTE_ADDR="203.0.113.50")
    assert blocked.status_code == 429 and blocked["Retry-After"]
    assert "Too many wrong numbers" in blocked.content.decode()
    assert _open(client, number, submitted.secret, REMOTE_ADDR="203.0.113.51").status_code == 302


def test_get_with_number_and_code_shows_the_timeline_without_keeping_it(client, org):
    submitted = file_request(org, "sktlk")
    response = client.get(LACAK, {"nomor": submitted.case.tracking_number, "kode": submitted.secret})
    assert response.status_code == 200 and "data-result" in response.content.decode()
    assert "tracking_open" not in client.session
    assert client.get(LACAK, {"nomor": submitted.case.tracking_number, "kode": "X"}).status_code == 404


def test_an_etle_number_opens_with_its_plate(client, org, settings, tmp_path):
    from bersih.etle import services as etle_services
    from bersih.etle.testing import event, machine, make_camera

    settings.MEDIA_ROOT = tmp_path / "media"
    camera_client = machine(org.bks_satlantas, "Kamera")
    camera = make_camera(org.bks_satlantas, camera_client.client)
    (result,) = etle_services.captures_ingest(actor=camera_client.client, camera=camera, items=[event(1)])
    assert _open(client, result.tracking_number, "B 9999 ZZZ").status_code == 404
    assert _open(client, result.tracking_number, "b 1234 fab").status_code == 302
    html = client.get(LACAK).content.decode()
    assert "Recorded by a traffic camera" in html and "reply-title" not in html


def test_a_sim_application_opens_with_the_nik(client, org):
    from bersih.licensing.services import application_register
    from bersih.licensing.testing import nik_for

    nik = nik_for(7)
    application = application_register(
        actor=services.CITIZEN,
        unit=org.bks_satpas,
        nik=nik,
        full_name="Andi Wijaya",
        birth_date=date(1990, 5, 17),
        service="new",
        sim_class="A",
    )
    assert _open(client, application.tracking_number, "3275011705900002").status_code == 404
    assert _open(client, application.tracking_number, nik).status_code == 302
    html = client.get(LACAK).content.decode()
    assert "Application registered" in html and "Andi" not in html and nik not in html


def test_an_anonymous_reporter_answers_with_evidence_and_the_officer_sees_it(client, org, staff):
    submitted = file_complaint(org)
    case = submitted.case
    services.case_assign(actor=staff.siwas_head, case=case, assignee=staff.siwas)
    services.case_transition(actor=staff.siwas, case=case, status="postponed", reason="Kapan kejadiannya?")
    _open(client, case.tracking_number, submitted.secret)
    html = client.get(LACAK).content.decode()
    assert "Kapan kejadiannya?" in html and "reply-title" in html
    response = client.post(
        reverse("tracking:reply"),
        {"text": "Senin pagi, 2 November", "evidence": [SimpleUploadedFile("bukti.pdf", PDF_BYTES)]},
    )
    assert response.status_code == 302
    reply = CaseEvent.objects.get(case=case, kind=CaseEvent.REPLY)
    assert reply.text == "Senin pagi, 2 November" and not reply.public
    assert case.attachments.count() == 1
    assert "Senin pagi, 2 November" in client.get(LACAK).content.decode()


def test_a_reply_needs_an_opened_case_and_valid_input(client, org):
    submitted = file_complaint(org)
    response = client.post(reverse("tracking:reply"), {"text": "halo"})
    assert response.status_code == 302 and not CaseEvent.objects.filter(kind=CaseEvent.REPLY).exists()
    _open(client, submitted.case.tracking_number, submitted.secret)
    assert client.post(reverse("tracking:reply"), {"text": ""}).status_code == 400
    bad = client.post(
        reverse("tracking:reply"), {"text": "x", "evidence": [SimpleUploadedFile("a.pdf", b"MZ\x90\x00")]}
    )
    assert bad.status_code == 400 and "evidence" in bad.context["reply_form"].errors
    assert not CaseEvent.objects.filter(kind=CaseEvent.REPLY).exists()
    # Closing the page forgets the case.
    client.post(LACAK, {"action": "close"})
    assert client.post(reverse("tracking:reply"), {"text": "halo"}).status_code == 302
    assert not CaseEvent.objects.filter(kind=CaseEvent.REPLY).exists()


def test_html_in_a_reply_is_escaped(client, org):
    submitted = file_complaint(org)
    _open(client, submitted.case.tracking_number, submitted.secret)
    client.post(reverse("tracking:reply"), {"text": "<script>alert(1)</script>"})
    html = client.get(LACAK).content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


def test_a_closed_case_shows_no_reply_form(client, org, staff):
    submitted = file_complaint(org)
    services.case_transition(actor=staff.siwas, case=submitted.case, status="archived", reason="Tidak jelas")
    _open(client, submitted.case.tracking_number, submitted.secret)
    html = client.get(LACAK).content.decode()
    assert "Archived" in html and "reply-title" not in html
    assert client.post(reverse("tracking:reply"), {"text": "halo"}).status_code == 400


def test_a_lookup_costs_a_bounded_number_of_queries(client, org, staff, django_assert_max_num_queries):
    submitted = file_complaint(org)
    for n in range(5):
        services.case_note(actor=staff.siwas, case=submitted.case, text=f"Catatan {n}", public=True)
    url_params = {"nomor": submitted.case.tracking_number, "kode": submitted.secret}
    client.get(LACAK, url_params)  # warm caches (content types, translations)
    with django_assert_max_num_queries(4):  # the guard's cache, the case, its public events
        assert client.get(LACAK, url_params).status_code == 200

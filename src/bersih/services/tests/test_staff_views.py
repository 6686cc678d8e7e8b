"""Staff pages (handling): the case list, the late list, the case page and its forms, files and the
logged identity read — each allowed, forbidden and out of scope (404)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bersih.core.models import Assignment
from bersih.core.testing import sign_in
from bersih.ledger.models import Entry
from bersih.services import rules, services
from bersih.services.models import Case, CaseEvent
from bersih.services.testing import file_complaint, file_request

pytestmark = pytest.mark.usefixtures("english_messages")


@pytest.fixture(autouse=True)
def isolated_files(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.KEYS_DIR = tmp_path / "keys"
    settings.TIMESTAMP_URL = ""
    settings.DOCUMENT_DEV_CA = True
    settings.DOCUMENT_TRUST_ROOTS = []


def as_user(client, user):
    sign_in(client, user)
    return client


def case_url(case, name="case"):
    return reverse(f"services:{name}", args=[case.tracking_number])


@pytest.fixture
def cases(org, staff):
    """An SKTLK request (SPKT), a named pungli complaint (Siwas) and a Depok request."""
    request = file_request(org, "sktlk").case
    complaint = file_complaint(
        org, "pungli", "named", complained_unit=org.bks_satlantas, title="Pungli di loket SIM"
    ).case
    depok = file_request(org, "sktlk", unit=org.dpk, salt="dpk").case
    return type("Cases", (), {"request": request, "complaint": complaint, "depok": depok})


# --- The list -----------------------------------------------------------------------------------------


def test_the_list_shows_the_cases_of_ones_units_only(client, staff, cases):
    body = as_user(client, staff.spkt).get(reverse("services:cases")).content.decode()
    assert cases.request.tracking_number in body
    assert cases.complaint.tracking_number not in body and cases.depok.tracking_number not in body
    siwas = as_user(client, staff.siwas).get(reverse("services:cases")).content.decode()
    assert cases.complaint.tracking_number in siwas and cases.request.tracking_number not in siwas


def test_the_list_needs_a_staff_member(client, make_user, cases):
    assert client.get(reverse("services:cases")).status_code == 302  # to the sign-in page
    nobody = make_user("nobody")
    assert as_user(client, nobody).get(reverse("services:cases")).status_code == 403
    assert client.get(reverse("services:late")).status_code == 403


def test_the_list_filters(client, org, staff, cases):
    other = file_request(org, "lp", salt="lp").case
    services.case_assign(actor=staff.spkt_head, case=other, assignee=staff.spkt)
    services.case_transition(
        actor=staff.spkt, case=cases.request, status="refused", reason="Bukan kehilangan"
    )
    client = as_user(client, staff.spkt)

    def shown(**query):
        body = client.get(reverse("services:cases"), query).content.decode()
        return {c.tracking_number for c in (cases.request, other) if c.tracking_number in body}

    assert shown() == {cases.request.tracking_number, other.tracking_number}
    assert shown(service="lp") == {other.tracking_number}
    assert shown(state="closed") == {cases.request.tracking_number}
    assert shown(state="open") == {other.tracking_number}
    assert shown(mine="on") == {other.tracking_number}
    assert shown(status="refused") == {cases.request.tracking_number}
    assert shown(nomor=other.tracking_number[:-2].lower()) == {other.tracking_number}
    assert shown(unit=org.bks_spkt.pk) == {cases.request.tracking_number, other.tracking_number}
    both = {cases.request.tracking_number, other.tracking_number}
    assert shown(unit=org.bks_intelkam.pk) == both  # not one of the officer's units: ignored
    client = as_user(client, staff.kapolres)
    assert shown(unit=org.bks_intelkam.pk) == set() and shown(unit=org.bks_spkt.pk) == both
    assert shown(service="nonsense", page="x") == {cases.request.tracking_number, other.tracking_number}


def test_a_complaint_is_invisible_to_the_unit_complained_about(client, org, staff, make_user, cases):
    """Even a person who also serves in Siwas sees nothing of a complaint about their other unit."""
    dual = make_user("dual", "officer", org.bks_siwas)
    Assignment.objects.create(user=dual, role="officer", unit=org.bks_satlantas)
    client = as_user(client, dual)
    assert cases.complaint.tracking_number not in client.get(reverse("services:cases")).content.decode()
    assert client.get(case_url(cases.complaint)).status_code == 404
    assert client.post(case_url(cases.complaint, "case-step"), {"status": "verified"}).status_code == 404
    assert cases.complaint.tracking_number not in client.get(reverse("services:late")).content.decode()
    satlantas = as_user(client, staff.satlantas)
    assert satlantas.get(case_url(cases.complaint)).status_code == 404


def test_the_list_costs_the_same_queries_for_more_cases(client, org, staff, cases):
    client = as_user(client, staff.spkt)
    client.get(reverse("services:cases"))

    def count():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse("services:cases"), {"state": "open"})
        assert response.status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for n in range(8):
        case = file_request(org, "sktlk", salt=f"q{n}").case
        services.case_assign(actor=staff.spkt_head, case=case, assignee=staff.spkt)
    assert count() == few


def test_the_page_is_bounded(client, org, staff, monkeypatch):
    monkeypatch.setattr(rules, "STAFF_PAGE_SIZE", 3)
    for n in range(4):
        file_request(org, "sktlk", salt=f"p{n}")
    body = as_user(client, staff.spkt).get(reverse("services:cases")).content.decode()
    assert body.count('href="/layanan/staf/kasus/SKTLK') == 3


# --- The late list ------------------------------------------------------------------------------------


def test_the_late_list_shows_breached_and_due_soon_cases_with_their_owner(client, org, staff, cases):
    now = timezone.now()
    Case.objects.filter(pk=cases.request.pk).update(due_at=now - timedelta(hours=3), assignee=staff.spkt)
    soon = file_request(org, "lp", salt="soon").case
    Case.objects.filter(pk=soon.pk).update(due_at=now + timedelta(hours=2))
    later = file_request(org, "keramaian", salt="later").case
    Case.objects.filter(pk=later.pk).update(due_at=now + timedelta(days=5))
    Case.objects.filter(pk=cases.depok.pk).update(due_at=now - timedelta(hours=3))
    head = as_user(client, staff.kapolres)
    response = head.get(reverse("services:late"))
    assert response.status_code == 200
    body = response.content.decode()
    breached, due_soon = body.split('data-late-list="due-soon"')
    assert cases.request.tracking_number in breached and "late by" in breached
    assert staff.spkt.full_name in breached and org.bks_spkt.name in breached
    assert soon.tracking_number in due_soon and soon.tracking_number not in breached
    assert later.tracking_number not in body and cases.depok.tracking_number not in body


# --- The case page ------------------------------------------------------------------------------------


def test_the_case_page_shows_timeline_files_and_forms_in_scope_only(client, staff, cases):
    services.case_note(actor=staff.spkt, case=cases.request, text="Dicek ke pasar")
    services.case_note(actor=staff.spkt, case=cases.request, text="Surat siap besok", public=True)
    client = as_user(client, staff.spkt)
    response = client.get(case_url(cases.request))
    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-event="note" data-public="0"' in body and 'data-event="note" data-public="1"' in body
    assert "Dicek ke pasar" in body and "Surat siap besok" in body
    assert "Siti Aminah" in body  # an applicant's identity is read by the unit serving them
    attachment = cases.request.attachments.first()
    assert reverse("services:case-file", args=[cases.request.tracking_number, attachment.pk]) in body
    assert 'action="' + case_url(cases.request, "case-step") in body
    assert as_user(client, staff.depok).get(case_url(cases.request)).status_code == 404
    assert as_user(client, staff.intelkam).get(case_url(cases.request)).status_code == 404


def test_the_complainants_identity_is_not_on_the_page(client, staff, cases):
    body = as_user(client, staff.siwas).get(case_url(cases.complaint)).content.decode()
    assert "Budi" not in body and "budi@example.id" not in body
    assert "Pungli di loket SIM" in body and "Satlantas Polres Metro Bekasi" in body  # complained about
    assert case_url(cases.complaint, "case-identity") not in body  # not the assignee: no button


def test_the_assignee_reads_the_identity_and_each_read_is_logged(client, staff, cases):
    services.case_assign(actor=staff.siwas_head, case=cases.complaint, assignee=staff.siwas)
    client = as_user(client, staff.siwas)
    page = client.get(case_url(cases.complaint)).content.decode()
    assert case_url(cases.complaint, "case-identity") in page and "Budi" not in page
    response = client.post(case_url(cases.complaint, "case-identity"), {"purpose": "Klarifikasi"})
    body = response.content.decode()
    assert response.status_code == 200 and "Budi" in body and "budi@example.id" in body
    assert response["Cache-Control"] == "private, no-store"
    client.post(case_url(cases.complaint, "case-identity"), {"purpose": "Panggilan"})
    reads = Entry.objects.filter(action="services.reporter.read", subject_id=str(cases.complaint.pk))
    assert [e.data["purpose"] for e in reads.order_by("seq")] == ["Klarifikasi", "Panggilan"]
    assert client.get(case_url(cases.complaint, "case-identity")).status_code == 405


def test_the_identity_is_refused_to_others_and_nothing_is_logged(client, staff, cases):
    services.case_assign(actor=staff.siwas_head, case=cases.complaint, assignee=staff.siwas)
    for user, code in ((staff.siwas_head, 403), (staff.kapolres, 403), (staff.depok, 404), (staff.spkt, 404)):
        response = as_user(client, user).post(case_url(cases.complaint, "case-identity"), {"purpose": "x"})
        assert response.status_code == code
        assert "Budi" not in response.content.decode()
    assert not Entry.objects.filter(action="services.reporter.read").exists()
    siwas = as_user(client, staff.siwas)
    assert siwas.post(case_url(cases.complaint, "case-identity"), {"purpose": ""}).status_code == 400
    assert not Entry.objects.filter(action="services.reporter.read").exists()


def test_an_anonymous_reporter_is_unknown(client, org, staff):
    case = file_complaint(org, "pungli", "anonim").case
    services.case_assign(actor=staff.siwas_head, case=case, assignee=staff.siwas)
    client = as_user(client, staff.siwas)
    assert "Reporter unknown" in client.get(case_url(case)).content.decode()
    response = client.post(case_url(case, "case-identity"), {"purpose": "Klarifikasi"})
    assert response.status_code == 200 and "Reporter unknown" in response.content.decode()


# --- Steps, notes, assignment -------------------------------------------------------------------------


def test_a_step_moves_the_case_and_is_recorded(client, staff, cases):
    response = as_user(client, staff.spkt).post(case_url(cases.request, "case-step"), {"status": "verified"})
    assert response.status_code == 302 and response["Location"] == case_url(cases.request)
    assert Case.objects.get(pk=cases.request.pk).status == "verified"
    assert Entry.objects.filter(action="services.case.status_changed").count() == 1


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"status": "closed"}, "Select a valid choice"),  # not a step of this service from here
        ({"status": "refused"}, "This step needs a reason"),
        ({"status": "refused", "reason": "x" * 2001}, "at most 2000 characters"),
        ({}, "This field is required"),
    ],
)
def test_a_bad_step_shows_the_error_and_changes_nothing(client, staff, cases, data, error):
    response = as_user(client, staff.spkt).post(case_url(cases.request, "case-step"), data)
    assert response.status_code == 400 and error in response.content.decode()
    case = Case.objects.get(pk=cases.request.pk)
    assert case.status == "submitted" and case.closed_at is None
    assert not Entry.objects.filter(action="services.case.status_changed").exists()


def test_complaint_verification_forwarding_needs_where_to(client, staff, cases):
    client = as_user(client, staff.siwas)
    url = case_url(cases.complaint, "case-step")
    response = client.post(url, {"status": "forwarded", "reason": "Bukan kewenangan Polri"})
    assert (
        response.status_code == 400 and "Say where the complaint is forwarded to" in response.content.decode()
    )
    assert Case.objects.get(pk=cases.complaint.pk).status == "submitted"
    client.post(
        url, {"status": "forwarded", "forward_to": "Inspektorat Kab. Bekasi", "reason": "Bukan kewenangan"}
    )
    case = Case.objects.get(pk=cases.complaint.pk)
    assert case.status == "forwarded" and "Inspektorat Kab. Bekasi" in case.status_reason and case.closed_at


def test_complaint_verification_steps(client, staff, cases):
    client = as_user(client, staff.siwas)
    url = case_url(cases.complaint, "case-step")
    assert client.post(url, {"status": "postponed"}).status_code == 400
    assert client.post(url, {"status": "postponed", "reason": "Kapan kejadiannya?"}).status_code == 302
    assert client.post(url, {"status": "verified"}).status_code == 302
    case = Case.objects.get(pk=cases.complaint.pk)
    assert case.status == "verified" and case.clock == "follow_up"


def test_staff_who_do_not_handle_cases_cannot_act(client, staff, cases):
    client = as_user(client, staff.kapolres)
    assert client.get(case_url(cases.request)).status_code == 200  # leadership reads
    for name, data in (
        ("case-step", {"status": "verified"}),
        ("case-note", {"text": "x"}),
        ("case-assign", {"assignee": staff.spkt.pk}),
    ):
        assert client.post(case_url(cases.request, name), data).status_code == 403
    assert (
        as_user(client, staff.depok).post(case_url(cases.request, "case-note"), {"text": "x"}).status_code
        == 404
    )
    assert not CaseEvent.objects.filter(kind=CaseEvent.NOTE).exists()
    assert Case.objects.get(pk=cases.request.pk).status == "submitted"


def test_notes_are_internal_by_default_and_escaped(client, staff, cases):
    client = as_user(client, staff.spkt)
    script = '<script>alert("x")</script><b>tebal</b>'
    assert client.post(case_url(cases.request, "case-note"), {"text": script}).status_code == 302
    note = CaseEvent.objects.get(kind=CaseEvent.NOTE)
    assert not note.public and note.text == script
    body = client.get(case_url(cases.request)).content.decode()
    assert script not in body and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in body
    client.post(case_url(cases.request, "case-note"), {"text": "Untuk warga", "public": "on"})
    assert CaseEvent.objects.get(kind=CaseEvent.NOTE, text="Untuk warga").public
    assert client.post(case_url(cases.request, "case-note"), {"text": "  "}).status_code == 400
    assert CaseEvent.objects.filter(kind=CaseEvent.NOTE).count() == 2


def test_assigning_and_routing(client, org, staff, cases):
    client = as_user(client, staff.spkt_head)
    url = case_url(cases.request, "case-assign")
    assert client.post(url, {"assignee": staff.spkt.pk}).status_code == 302
    assert Case.objects.get(pk=cases.request.pk).assignee == staff.spkt
    response = client.post(url, {"assignee": staff.intelkam.pk})  # does not serve in SPKT
    assert response.status_code == 400 and "does not serve in the handling unit" in response.content.decode()
    assert client.post(url, {}).status_code == 400
    routed = client.post(url, {"unit": org.bks_intelkam.pk})
    assert routed.status_code == 302 and routed["Location"] == reverse("services:cases")  # out of scope now
    assert Case.objects.get(pk=cases.request.pk).unit == org.bks_intelkam


def test_a_sensitive_complaint_cannot_leave_siwas_or_propam(client, org, staff, cases):
    response = as_user(client, staff.siwas).post(
        case_url(cases.complaint, "case-assign"), {"unit": org.bks_intelkam.pk}
    )
    assert response.status_code == 400 and "stay with Siwas or Propam" in response.content.decode()
    assert Case.objects.get(pk=cases.complaint.pk).unit == org.bks_siwas


def test_a_citizens_reply_appears_on_the_case_page(client, org, staff):
    submitted = file_complaint(org, "service_quality", "anonim")
    services.case_reply(case=submitted.case, secret=submitted.secret, text="Kejadian hari Senin <i>pagi</i>")
    body = as_user(client, staff.siwas).get(case_url(submitted.case)).content.decode()
    assert 'data-event="reply"' in body and "Kejadian hari Senin &lt;i&gt;pagi&lt;/i&gt;" in body


# --- Files --------------------------------------------------------------------------------------------


def test_files_are_downloaded_in_scope_only(client, staff, cases):
    attachment = cases.request.attachments.first()
    url = reverse("services:case-file", args=[cases.request.tracking_number, attachment.pk])
    response = as_user(client, staff.spkt).get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")
    assert response["Content-Disposition"].startswith("attachment")
    assert as_user(client, staff.depok).get(url).status_code == 404
    other = cases.depok.attachments.first()  # another case's file through this case's address
    mixed = reverse("services:case-file", args=[cases.request.tracking_number, other.pk])
    assert as_user(client, staff.spkt).get(mixed).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302


def test_the_lists_are_in_the_staff_navigation(staff, make_user):
    from bersih.core.navigation import navigation_for

    keys = {entry.key for entry in navigation_for(staff.spkt)}
    assert {"services-cases", "services-late"} <= keys
    assert not {"services-cases", "services-late"} & {e.key for e in navigation_for(make_user("nobody"))}

"""Sipmas's core: intake, routing, steps and clocks, notes, assignment, the citizen's replies, reads of
a complainant's identity, the survey invitation and the SLA sweep."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from bersih.core.tracking import parse, registration_for
from bersih.ledger.models import Entry
from bersih.ledger.services import SYSTEM
from bersih.notify.models import Message
from bersih.services import services
from bersih.services.models import Case, CaseEvent, Requester, SurveyInvitation
from bersih.services.testing import NIK, file_complaint, file_request, requirement_uploads
from bersih.services.timeline import CaseTimeline

pytestmark = pytest.mark.django_db
WIB = ZoneInfo("Asia/Jakarta")
FRIDAY_10 = datetime(2026, 11, 27, 10, 0, tzinfo=WIB)


def test_a_request_gets_a_number_a_secret_a_clock_and_the_responsible_unit(org):
    submitted = file_request(org, "skck", now=FRIDAY_10)
    case = submitted.case
    assert parse(case.tracking_number).prefix == "SKCK"
    assert case.unit == org.bks_intelkam and case.status == "submitted"
    assert case.clock == "service" and case.due_at == datetime(2026, 11, 30, 16, 0, tzinfo=WIB)
    assert services.secret_matches(case.secret_digest, submitted.secret)
    assert submitted.secret.replace("-", "") not in case.secret_digest
    assert case.attachments.count() == 4
    entry = Entry.objects.get(action="services.case.submitted")
    assert entry.subject_ref == case.tracking_number and NIK not in entry.body
    message = Message.objects.get(template="services.case_received")
    assert message.channel in ("sms", "whatsapp") and message.recipient == "+6281234567890"
    assert submitted.secret not in message.body


def test_online_intake_refuses_missing_requirements_and_writes_nothing(org):
    with pytest.raises(ValidationError) as error:
        file_request(org, "skck", uploads=requirement_uploads("skck")[:2])
    assert "attachments" in error.value.message_dict
    assert not Case.objects.exists() and not Entry.objects.filter(action="services.case.submitted").exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"description": "x" * 4001}, "description"),
        ({"requester": {"full_name": "Siti", "nik": "123"}}, "nik"),
        ({"requester": {"full_name": "Siti", "phone": "12"}}, "phone"),
        ({"channel": "fax"}, "channel"),
    ],
)
def test_bad_intake_fields_are_refused_with_the_field_named(org, overrides, field):
    with pytest.raises(ValidationError) as error:
        file_request(org, "skck", **overrides)
    assert field in error.value.message_dict
    assert not Case.objects.exists()


def test_services_of_other_modules_are_not_filed_here(org):
    with pytest.raises(ValidationError) as error:
        file_request(org, "sim")
    assert "service" in error.value.message_dict


def test_a_wrongly_typed_upload_is_refused(org):
    with pytest.raises(ValidationError):
        file_request(org, "sktlk", uploads=[services.Upload(b"MZ\x90\x00not a pdf", "ktp.exe", "ktp")])
    assert not Case.objects.exists()


def test_an_anonymous_complaint_keeps_no_identity_even_if_one_was_typed(org):
    submitted = file_complaint(org, requester={"full_name": "Budi", "phone": "081234567890"})
    case = submitted.case
    assert case.privacy == "anonim" and not Requester.objects.filter(case=case).exists()
    assert case.unit == org.bks_siwas and case.clock == "verification"
    assert not Message.objects.exists()  # nobody to tell: they follow with number and secret


def test_misconduct_goes_to_propam_and_never_to_the_unit_complained_about(org):
    case = file_complaint(org, "misconduct", complained_unit=org.bks_satlantas).case
    assert case.unit == org.bks_propam
    about_propam = file_complaint(org, "misconduct", complained_unit=org.bks_propam).case
    assert about_propam.unit == org.bks_siwas


def test_complaint_fields_only_for_complaints(org):
    with pytest.raises(ValidationError):
        file_request(org, "sktlk", category="pungli")
    with pytest.raises(ValidationError):
        file_complaint(org, category="gossip")
    with pytest.raises(ValidationError):
        file_complaint(org, complained_unit=org.dpk_satlantas)  # another Polres
    assert not Case.objects.exists()


def test_the_unit_complained_about_does_not_see_the_complaint(org, staff):
    case = file_complaint(org, "service_quality", privacy="named", complained_unit=org.bks_satlantas).case
    assert case.unit == org.bks_siwas
    assert Case.objects.restrict(staff.siwas).filter(pk=case.pk).exists()
    assert Case.objects.restrict(staff.kapolres).filter(pk=case.pk).exists()
    services.case_assign(actor=staff.siwas, case=case, unit=org.bks_spkt)
    assert not Case.objects.restrict(staff.satlantas).filter(pk=case.pk).exists()
    with pytest.raises(ValidationError):
        services.case_assign(actor=staff.spkt, case=case, unit=org.bks_satlantas)
    assert not Case.objects.restrict(staff.depok).filter(pk=case.pk).exists()


def test_steps_follow_the_rules_with_reasons_and_tell_the_citizen(org, staff):
    case = file_request(org, "sktlk", now=FRIDAY_10).case
    with pytest.raises(ValidationError):
        services.case_transition(actor=staff.spkt, case=case, status="submitted")
    with pytest.raises(ValidationError):
        services.case_transition(actor=staff.spkt, case=case, status="refused")  # needs a reason
    case = services.case_transition(
        actor=staff.spkt, case=case, status="issued", now=FRIDAY_10 + timedelta(minutes=9)
    )
    assert case.closed_at and case.clock == "" and case.due_at is None
    assert Message.objects.filter(template="services.case_status").count() == 1
    assert Entry.objects.filter(
        action="services.case.status_changed", subject_ref=case.tracking_number
    ).exists()
    with pytest.raises(ValidationError):
        services.case_transition(actor=staff.spkt, case=case, status="refused", reason="late")


def test_officers_outside_the_case_cannot_act_on_it(org, staff):
    case = file_request(org, "sktlk").case
    for outsider in (staff.satlantas, staff.depok, staff.oversight):
        with pytest.raises(PermissionDenied):
            services.case_transition(actor=outsider, case=case, status="verified")
    assert Case.objects.get(pk=case.pk).status == "submitted"


def test_complaint_clocks_follow_sp4n(org, staff):
    case = file_complaint(org, now=FRIDAY_10).case
    assert case.due_at == datetime(2026, 12, 2, 16, 0, tzinfo=WIB)  # 3 working days
    case = services.case_transition(actor=staff.siwas, case=case, status="postponed", reason="Mohon lokasi")
    assert case.due_at is None and case.closed_at is None
    case = services.case_transition(actor=staff.siwas, case=case, status="verified", now=FRIDAY_10)
    assert case.clock == "follow_up" and case.due_at == datetime(2026, 12, 4, 16, 0, tzinfo=WIB)


def test_internal_notes_stay_off_the_public_timeline(org, staff):
    submitted = file_complaint(org)
    case = submitted.case
    services.case_note(actor=staff.siwas, case=case, text="Cek CCTV loket 3")
    services.case_note(actor=staff.siwas, case=case, text="Mohon sebutkan jam kejadian", public=True)
    timeline = CaseTimeline().public_timeline(parse(case.tracking_number), submitted.secret)
    texts = [event.note for event in timeline]
    assert "Mohon sebutkan jam kejadian" in texts and "Cek CCTV loket 3" not in texts
    assert CaseTimeline().public_timeline(parse(case.tracking_number), "WRONG-SECRET") is None
    assert registration_for(case.tracking_number).module == "bersih.services.timeline.CaseTimeline"


def test_an_anonymous_reporter_replies_with_the_secret(org, staff):
    submitted = file_complaint(org)
    services.case_assign(actor=staff.siwas, case=submitted.case, assignee=staff.siwas)
    event = services.case_reply(case=submitted.case, secret=submitted.secret.lower(), text="Jam 10 pagi")
    assert event.kind == CaseEvent.REPLY and not event.public
    assert Message.objects.filter(template="services.case_replied", recipient="siwas@polri.test").exists()
    with pytest.raises(PermissionDenied):
        services.case_reply(case=submitted.case, secret="AAAAA-AAAAA", text="spam")
    assert CaseEvent.objects.filter(kind=CaseEvent.REPLY).count() == 1


def test_a_complainants_identity_is_read_only_by_the_handler_and_each_read_is_logged(org, staff):
    case = file_complaint(org, "pungli", privacy="rahasia").case
    with pytest.raises(PermissionDenied):
        services.reporter_identity_read(actor=staff.siwas, case=case)  # not assigned yet
    with pytest.raises(PermissionDenied):
        services.reporter_identity_read(actor=staff.kapolres, case=case)
    services.case_assign(actor=staff.siwas_head, case=case, assignee=staff.siwas)
    requester = services.reporter_identity_read(actor=staff.siwas, case=case, purpose="klarifikasi")
    assert requester.full_name == "Budi"
    reads = Entry.objects.filter(action="services.reporter.read")
    assert reads.count() == 1 and reads.get().actor_id == str(staff.siwas.pk)


def test_an_applicants_identity_is_for_the_serving_unit(org, staff):
    case = file_request(org, "sktlk").case
    assert services.reporter_identity_read(actor=staff.spkt, case=case).nik == NIK
    assert not Entry.objects.filter(action="services.reporter.read").exists()
    with pytest.raises(PermissionDenied):
        services.reporter_identity_read(actor=staff.satlantas, case=case)


def test_assignment_needs_an_officer_of_the_unit_and_sensitive_cases_stay_with_supervision(org, staff):
    case = file_complaint(org, "pungli").case
    with pytest.raises(ValidationError):
        services.case_assign(actor=staff.siwas, case=case, assignee=staff.spkt)
    with pytest.raises(ValidationError):
        services.case_assign(actor=staff.siwas, case=case, unit=org.bks_spkt)
    case = services.case_assign(actor=staff.siwas, case=case, unit=org.bks_propam, assignee=None)
    assert case.unit == org.bks_propam
    assert Entry.objects.filter(action="services.case.assigned").count() == 1


def test_closing_a_served_case_invites_to_the_survey_once(org, staff):
    case = file_request(org, "sktlk").case
    services.case_transition(actor=staff.spkt, case=case, status="issued")
    invitation = SurveyInvitation.objects.get(case=case)
    assert invitation.service == "sktlk" and invitation.used_at is None
    message = Message.objects.get(template="services.survey_invitation")
    assert "/integritas/survei/" in message.body
    assert invitation.token_digest not in message.body
    assert services.survey_invitation_create(case=case, now=case.closed_at) is None


def test_the_sweep_escalates_late_cases_to_the_unit_head_then_leadership_once(org, staff):
    case = file_request(org, "skck", now=FRIDAY_10).case  # due Monday 16:00
    assert services.services_sla_sweep(now=FRIDAY_10 + timedelta(hours=1)) == {"escalated": 0, "closed": 0}
    tuesday = datetime(2026, 12, 1, 9, 0, tzinfo=WIB)
    assert services.services_sla_sweep(now=tuesday)["escalated"] == 1
    assert services.services_sla_sweep(now=tuesday)["escalated"] == 0
    case.refresh_from_db()
    assert case.escalation_level == 1
    assert Message.objects.filter(
        template="services.case_escalated", recipient="intelkam_head@polri.test"
    ).exists()
    thursday = datetime(2026, 12, 3, 17, 0, tzinfo=WIB)  # two working days after the deadline
    services.services_sla_sweep(now=thursday)
    case.refresh_from_db()
    assert case.escalation_level == 2
    assert Message.objects.filter(
        template="services.case_escalated", recipient="kapolres@polri.test"
    ).exists()
    levels = Entry.objects.filter(action="services.case.escalated", actor_kind="system").count()
    assert levels == 2


def test_the_sweep_closes_an_answered_complaint_without_reply(org, staff):
    case = file_complaint(org, privacy="named", now=FRIDAY_10).case
    services.case_transition(actor=staff.siwas, case=case, status="verified", now=FRIDAY_10)
    services.case_transition(
        actor=staff.siwas, case=case, status="answered", reason="Petugas diperiksa", now=FRIDAY_10
    )
    assert services.services_sla_sweep(now=FRIDAY_10 + timedelta(days=20))["closed"] == 1
    case.refresh_from_db()
    assert case.status == "closed" and case.closed_at
    assert SurveyInvitation.objects.filter(case=case).exists()


def test_system_closing_and_manual_steps_do_not_apply_to_the_sweep_twice(org, staff):
    file_request(org, "sktlk", now=FRIDAY_10)
    services.services_sla_sweep(now=FRIDAY_10 + timedelta(days=1))
    before = Entry.objects.count()
    services.services_sla_sweep(now=FRIDAY_10 + timedelta(days=1))
    assert Entry.objects.count() == before
    assert SYSTEM.label

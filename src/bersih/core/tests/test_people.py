"""People and roles: who may grant where; every change is ledgered, every refusal writes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from bersih.core import services
from bersih.core.models import Assignment, User
from bersih.core.permissions import roles_of
from bersih.ledger.models import Entry
from bersih.ledger.services import SYSTEM

TODAY = timezone.localdate


@pytest.fixture
def admin(org, make_user):
    return make_user("admin-bks", "administrator", org.bks)


@pytest.fixture
def person(make_user):
    return make_user("baru")


def test_administrator_grants_a_role_in_their_subtree(admin, person, org):
    assignment = services.assignment_grant(actor=admin, user=person, role="officer", unit=org.bks_satlantas)
    assert assignment.granted_by == admin
    assert roles_of(User.objects.get(pk=person.pk)) == {"officer"}
    entry = Entry.objects.get(action="core.assignment.granted")
    assert entry.actor_label == "admin-bks"
    assert entry.unit == org.bks_satlantas
    assert entry.data["role"] == "officer" and entry.data["unit"] == "bks-satlantas"
    assert entry.data["sensitive"] is False


def test_sensitive_grant_is_marked_in_the_ledger(admin, person, org):
    services.assignment_grant(actor=admin, user=person, role="investigator", unit=org.bks_reskrim)
    assert Entry.objects.get(action="core.assignment.granted").data["sensitive"] is True


def test_non_administrator_may_not_grant(org, make_user, person):
    supervisor = make_user("kasat", "supervisor", org.bks)
    with pytest.raises(PermissionDenied):
        services.assignment_grant(actor=supervisor, user=person, role="officer", unit=org.bks_spkt)
    assert not Assignment.objects.filter(user=person).exists()
    assert not Entry.objects.exists()


def test_grant_outside_the_administered_subtree_is_refused(admin, person, org):
    with pytest.raises(PermissionDenied):
        services.assignment_grant(actor=admin, user=person, role="officer", unit=org.dpk_satlantas)
    with pytest.raises(PermissionDenied):
        services.assignment_grant(actor=admin, user=person, role="oversight", unit=org.polda)
    assert not Assignment.objects.filter(user=person).exists()
    assert not Entry.objects.exists()


def test_other_roles_do_not_widen_administration(org, make_user, person):
    """An administrator of Satlantas who is also an officer at the Polda administers only Satlantas."""
    admin = make_user("admin-lantas", "administrator", org.bks_satlantas)
    Assignment.objects.create(user=admin, role="officer", unit=org.polda)
    with pytest.raises(PermissionDenied):
        services.assignment_grant(actor=admin, user=person, role="officer", unit=org.bks_spkt)


def test_nobody_grants_themselves_a_role(admin, org):
    with pytest.raises(PermissionDenied):
        services.assignment_grant(actor=admin, user=admin, role="leadership", unit=org.bks)
    assert not Entry.objects.exists()


def test_role_and_place_must_match(admin, person, org):
    with pytest.raises(ValidationError):
        services.assignment_grant(actor=admin, user=person, role="agency_user", unit=org.bks)
    with pytest.raises(ValidationError):
        services.assignment_grant(actor=admin, user=person, role="officer", agency=org.kejari)
    with pytest.raises(ValidationError):
        services.assignment_grant(actor=admin, user=person, role="sheriff", unit=org.bks)
    with pytest.raises(ValidationError):
        services.assignment_grant(
            actor=admin,
            user=person,
            role="officer",
            unit=org.bks,
            starts_on=TODAY(),
            ends_on=TODAY() - dt.timedelta(days=1),
        )
    assert not Entry.objects.exists()


def test_agency_role_granted_by_an_administrator_of_a_partner_unit(admin, person, org):
    services.assignment_grant(actor=admin, user=person, role="agency_user", agency=org.kejari)
    assert roles_of(User.objects.get(pk=person.pk)) == {"agency_user"}


def test_agency_role_refused_when_the_agency_is_no_partner(org, make_user, person):
    admin_depok = make_user("admin-dpk", "administrator", org.dpk)
    with pytest.raises(PermissionDenied):
        services.assignment_grant(actor=admin_depok, user=person, role="agency_user", agency=org.kejari)


def test_duplicate_grant_is_refused(admin, person, org):
    services.assignment_grant(actor=admin, user=person, role="officer", unit=org.bks_spkt)
    with pytest.raises(ValidationError, match="already holds"):
        services.assignment_grant(actor=admin, user=person, role="officer", unit=org.bks_spkt)
    assert Entry.objects.filter(action="core.assignment.granted").count() == 1


def test_grant_to_a_deactivated_account_is_refused(admin, person, org):
    person.is_active = False
    person.save()
    with pytest.raises(ValidationError):
        services.assignment_grant(actor=admin, user=person, role="officer", unit=org.bks_spkt)


def test_ending_a_role_takes_it_away_now(admin, person, org):
    assignment = Assignment.objects.create(
        user=person, role="officer", unit=org.bks_spkt, starts_on=TODAY() - dt.timedelta(days=100)
    )
    services.assignment_end(actor=admin, assignment=assignment)
    assignment.refresh_from_db()
    assert assignment.ends_on == TODAY() - dt.timedelta(days=1)
    assert roles_of(User.objects.get(pk=person.pk)) == set()
    entry = Entry.objects.get(action="core.assignment.ended")
    assert entry.subject_id == str(assignment.pk) and entry.data["removed"] is False


def test_ending_a_role_granted_today_removes_it_and_the_ledger_keeps_both(admin, person, org):
    assignment = services.assignment_grant(actor=admin, user=person, role="officer", unit=org.bks_spkt)
    assert services.assignment_end(actor=admin, assignment=assignment) is None
    assert not Assignment.objects.filter(user=person).exists()
    assert [e.action for e in Entry.objects.order_by("seq")] == [
        "core.assignment.granted",
        "core.assignment.ended",
    ]
    # And it can be granted again afterwards.
    services.assignment_grant(actor=admin, user=person, role="officer", unit=org.bks_spkt)


def test_ended_role_can_be_granted_again(admin, person, org):
    assignment = Assignment.objects.create(
        user=person,
        role="officer",
        unit=org.bks_spkt,
        starts_on=TODAY() - dt.timedelta(days=100),
        ends_on=TODAY() - dt.timedelta(days=10),
    )
    again = services.assignment_grant(actor=admin, user=person, role="officer", unit=org.bks_spkt)
    assert again.pk == assignment.pk and again.ends_on is None and again.starts_on == TODAY()
    assert Entry.objects.get(action="core.assignment.granted").data["reopened"] is True


def test_ending_an_ended_role_or_out_of_scope_is_refused(admin, org, make_user):
    outsider = make_user("depok", "officer", org.dpk_spkt)
    with pytest.raises(PermissionDenied):
        services.assignment_end(actor=admin, assignment=outsider.assignments.get())
    old = Assignment.objects.create(
        user=outsider,
        role="officer",
        unit=org.bks_spkt,
        starts_on=TODAY() - dt.timedelta(days=100),
        ends_on=TODAY() - dt.timedelta(days=10),
    )
    with pytest.raises(ValidationError, match="already ended"):
        services.assignment_end(actor=admin, assignment=old)
    assert not Entry.objects.exists()


def test_expired_and_future_assignments_give_no_roles(org, make_user):
    person = make_user("kontrak")
    Assignment.objects.create(
        user=person,
        role="officer",
        unit=org.bks_spkt,
        starts_on=TODAY() - dt.timedelta(days=30),
        ends_on=TODAY() - dt.timedelta(days=1),
    )
    Assignment.objects.create(
        user=person, role="supervisor", unit=org.bks_spkt, starts_on=TODAY() + dt.timedelta(days=1)
    )
    assert roles_of(person) == set()
    assert not person.has_perm("core.view_user")


def test_user_create_records_and_validates(admin):
    user = services.user_create(actor=admin, username="anggota1", full_name="Anggota Satu", email="a@b.id")
    assert not user.has_usable_password()
    assert Entry.objects.get(action="core.user.created").data["username"] == "anggota1"
    with pytest.raises(ValidationError) as refused:
        services.user_create(actor=admin, username="ANGGOTA1", full_name="", email="no-at-sign", password="1")
    assert set(refused.value.message_dict) == {"username", "full_name", "email", "password"}
    assert User.objects.filter(username__iexact="anggota1").count() == 1
    assert Entry.objects.count() == 1


def test_user_create_needs_an_administrator(org, make_user):
    officer = make_user("biasa", "officer", org.bks)
    with pytest.raises(PermissionDenied):
        services.user_create(actor=officer, username="x", full_name="X")
    assert not User.objects.filter(username="x").exists()


def test_deactivation_needs_a_reason_and_scope_and_is_recorded(admin, org, make_user):
    target = make_user("pindah", "officer", org.bks_spkt)
    outsider = make_user("depok", "officer", org.dpk_spkt)
    with pytest.raises(ValidationError):
        services.user_deactivate(actor=admin, user=target, reason=" ")
    with pytest.raises(PermissionDenied):
        services.user_deactivate(actor=admin, user=outsider, reason="moved")
    with pytest.raises(PermissionDenied):
        services.user_deactivate(actor=admin, user=admin, reason="leaving")
    assert not Entry.objects.exists()
    services.user_deactivate(actor=admin, user=target, reason="Transferred to Polda")
    target.refresh_from_db()
    assert not target.is_active
    assert Entry.objects.get(action="core.user.deactivated").data["reason"] == "Transferred to Polda"
    with pytest.raises(ValidationError, match="already deactivated"):
        services.user_deactivate(actor=admin, user=target, reason="again")
    services.user_activate(actor=admin, user=target, reason="Back")
    assert User.objects.get(pk=target.pk).is_active
    assert Entry.objects.filter(action="core.user.activated").count() == 1


def test_deactivated_person_loses_open_sessions(client, admin, org, make_user):
    from bersih.core.testing import sign_in

    target = make_user("pindah", "officer", org.bks_spkt)
    sign_in(client, target)
    assert client.get("/staf/").status_code == 200
    services.user_deactivate(actor=admin, user=target, reason="Transferred")
    assert client.get("/staf/").status_code == 302


def test_user_update_records_permission_changes(admin, org, make_user):
    target = make_user("staf", "officer", org.bks_spkt)
    services.user_update(actor=admin, user=target, is_staff=True, rank="Bripka")
    entry = Entry.objects.get(action="core.user.changed")
    assert entry.data == {"fields": ["is_staff", "rank"], "is_staff": True}
    with pytest.raises(ValidationError):
        services.user_update(actor=admin, user=target, is_superuser=True)
    with pytest.raises(PermissionDenied):
        services.user_update(actor=admin, user=admin, is_staff=False)


def test_system_actor_bootstraps_the_first_administrator(org, person):
    services.assignment_grant(actor=SYSTEM, user=person, role="administrator", unit=org.bks)
    entry = Entry.objects.get(action="core.assignment.granted")
    assert entry.actor_kind == "system"

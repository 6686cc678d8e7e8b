"""The administration site changes people and roles only through the services (scoped, ledgered)."""

from __future__ import annotations

import pytest

from bersih.core.models import Assignment
from bersih.core.testing import sign_in
from bersih.ledger.models import Entry


@pytest.fixture
def admin_client(client, org, make_user):
    admin = make_user("admin-bks", "administrator", org.bks, is_staff=True)
    sign_in(client, admin)
    return client


def test_admin_sign_in_goes_through_bersih_sign_in(client, db):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response.url.startswith("/masuk/?next=/admin/")


def test_staff_without_second_factor_cannot_open_admin(client, org, make_user):
    admin = make_user("admin-bks", "administrator", org.bks, is_staff=True)
    client.force_login(admin)
    response = client.get("/admin/")
    assert response.status_code == 302 and response.url.startswith("/masuk/otp/daftar/")


def test_granting_in_admin_is_recorded(admin_client, org, make_user):
    person = make_user("baru")
    response = admin_client.post(
        "/admin/core/assignment/add/",
        {"user": person.pk, "role": "officer", "unit": org.bks_spkt.pk, "starts_on": "2026-01-01"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assignment = Assignment.objects.get(user=person)
    assert assignment.granted_by.username == "admin-bks"
    assert Entry.objects.filter(action="core.assignment.granted", subject_id=str(assignment.pk)).exists()


def test_out_of_scope_grant_in_admin_is_refused_and_writes_nothing(admin_client, org, make_user):
    person = make_user("baru")
    response = admin_client.post(
        "/admin/core/assignment/add/",
        {"user": person.pk, "role": "officer", "unit": org.dpk_spkt.pk, "starts_on": "2026-01-01"},
        follow=True,
    )
    assert "You can only grant roles in the units you administer" in response.content.decode()
    assert not Assignment.objects.filter(user=person).exists()
    assert not Entry.objects.filter(action="core.assignment.granted").exists()


def test_admin_lists_only_assignments_in_scope(admin_client, org, make_user):
    make_user("depok", "officer", org.dpk_spkt)
    make_user("bekasi", "officer", org.bks_spkt)
    html = admin_client.get("/admin/core/assignment/").content.decode()
    assert "Bekasi" in html and "Depok" not in html
    outsider = Assignment.objects.get(user__username="depok")
    response = admin_client.get(f"/admin/core/assignment/{outsider.pk}/change/")
    assert response.status_code == 302  # Django admin: an object outside the queryset is "not found"


def test_deactivate_action_is_recorded(admin_client, org, make_user):
    target = make_user("pindah", "officer", org.bks_spkt)
    admin_client.post("/admin/core/user/", {"action": "deactivate_selected", "_selected_action": [target.pk]})
    target.refresh_from_db()
    assert not target.is_active
    assert Entry.objects.filter(action="core.user.deactivated").count() == 1


def test_adding_and_changing_people_in_admin_is_recorded(admin_client, org, make_user):
    response = admin_client.post(
        "/admin/core/user/add/",
        {"username": "anggota", "full_name": "Anggota Baru", "language": "id", "email": "a@polri.example.id"},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    created = Entry.objects.get(action="core.user.created")
    assert created.data["username"] == "anggota"

    target = make_user("staf", "officer", org.bks_spkt)
    form = {
        "full_name": "Staf Satu",
        "nrp": "",
        "rank": "Bripka",
        "email": "",
        "phone": "",
        "language": "id",
        "preferred_channel": "email",
        "assignments-TOTAL_FORMS": "1",
        "assignments-INITIAL_FORMS": "1",
        "assignments-MIN_NUM_FORMS": "0",
        "assignments-MAX_NUM_FORMS": "1000",
        "assignments-0-id": target.assignments.get().pk,
        "assignments-0-user": target.pk,
    }
    response = admin_client.post(f"/admin/core/user/{target.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:3000]
    changed = Entry.objects.get(action="core.user.changed")
    assert changed.data == {"fields": ["full_name", "rank"]}
    target.refresh_from_db()
    assert target.rank == "Bripka"

import pytest
from django.urls import reverse

from bersih import ledger
from bersih.core.testing import sign_in
from bersih.ledger.services import SYSTEM

# These tests compare messages with their English source text (the default language is Indonesian).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_messages")]


@pytest.fixture
def entries(org):
    ledger.record(
        actor=SYSTEM,
        action="etle.violation.approved",
        subject=("etle.violation", 1, "ETLE-B1"),
        unit=org.bks_satlantas,
        data={"fine": 500000},
    )
    ledger.record(
        actor=SYSTEM,
        action="etle.violation.paid",
        subject=("etle.violation", 1, "ETLE-B1"),
        unit=org.bks_satlantas,
    )
    ledger.record(
        actor=SYSTEM,
        action="etle.violation.approved",
        subject=("etle.violation", 2, "ETLE-D2"),
        unit=org.dpk_satlantas,
    )
    ledger.record(actor=SYSTEM, action="ledger.sweep.ran")  # no unit: installation-wide
    return org


def page(client, user, url):
    sign_in(client, user)
    return client.get(url)


def test_oversight_of_a_polres_sees_its_own_entries_only(client, entries, make_user):
    siwas = make_user("siwas", "oversight", entries.bks)
    response = page(client, siwas, reverse("ledger:entries"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "ETLE-B1" in body and "ETLE-D2" not in body
    assert "ledger.sweep.ran" not in body  # unit-less entries only at the root of the tree


def test_polda_oversight_sees_everything_including_unitless(client, entries, make_user):
    auditor = make_user("auditor", "leadership", entries.polda)
    body = page(client, auditor, reverse("ledger:entries")).content.decode()
    assert "ETLE-B1" in body and "ETLE-D2" in body and "ledger.sweep.ran" in body


@pytest.mark.parametrize("role", ["officer", "investigator", "administrator", None])
def test_other_roles_are_forbidden(client, entries, make_user, role):
    person = make_user("p", role, entries.bks_satlantas if role else None)
    assert page(client, person, reverse("ledger:entries")).status_code == 403
    assert (
        page(client, person, reverse("ledger:subject-history", args=["etle.violation", "1"])).status_code
        == 403
    )


def test_anonymous_is_sent_to_sign_in(client, entries):
    response = client.get(reverse("ledger:entries"))
    assert response.status_code == 302 and reverse("core:login") in response["Location"]


def test_filters(client, entries, make_user):
    auditor = make_user("auditor", "oversight", entries.polda)
    url = reverse("ledger:entries")
    body = page(client, auditor, f"{url}?action=etle.violation.paid").content.decode()
    assert "etle.violation.paid" in body and "ETLE-D2" not in body
    body = page(client, auditor, f"{url}?subject_ref=ETLE-D2").content.decode()
    assert "ETLE-D2" in body and "ETLE-B1" not in body
    body = page(
        client, auditor, f"{url}?actor=system&date_from=2000-01-01&date_to=2000-01-02"
    ).content.decode()
    assert "ETLE-B1" not in body


def test_bad_filter_is_a_form_error_not_a_crash(client, entries, make_user):
    auditor = make_user("auditor", "oversight", entries.polda)
    response = page(client, auditor, reverse("ledger:entries") + "?date_from=2026-02-10&date_to=2026-02-01")
    assert response.status_code == 200
    assert "before the start date" in response.content.decode()
    assert "ETLE-B1" not in response.content.decode()
    response = page(client, auditor, reverse("ledger:entries") + "?date_from=yesterday&page=zzz")
    assert response.status_code == 200


def test_subject_history_in_scope_and_out_of_scope(client, entries, make_user):
    siwas = make_user("siwas", "oversight", entries.bks)
    response = page(client, siwas, reverse("ledger:subject-history", args=["etle.violation", "1"]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "etle.violation.approved" in body and "etle.violation.paid" in body
    # Depok's violation is out of Bekasi's scope: 404, as if it did not exist.
    assert (
        page(client, siwas, reverse("ledger:subject-history", args=["etle.violation", "2"])).status_code
        == 404
    )
    assert page(client, siwas, reverse("ledger:subject-history", args=["nope.nope", "9"])).status_code == 404


def test_list_query_count_is_bounded(client, org, make_user, django_assert_max_num_queries):
    for n in range(120):
        ledger.record(actor=SYSTEM, action="test.item.made", subject=("test.item", n, f"T-{n}"), unit=org.bks)
    auditor = make_user("auditor", "oversight", org.polda)
    sign_in(client, auditor)
    with django_assert_max_num_queries(15):
        response = client.get(reverse("ledger:entries"))
    assert response.status_code == 200
    assert response.content.decode().count("<tr>") == 51  # a header and one page of 50


def test_verification_status_shown(client, entries, make_user, key_dir, tamper):
    from bersih.ledger.services import checkpoint_create

    checkpoint_create(actor=SYSTEM)
    auditor = make_user("auditor", "oversight", entries.polda)
    body = page(client, auditor, reverse("ledger:entries")).content.decode()
    assert "Latest signed checkpoint" in body and "signature is valid" in body
    body = page(client, auditor, reverse("ledger:entries") + "?verify=1").content.decode()
    assert "OK: " in body
    tamper("UPDATE ledger_entry SET body = replace(body, '\"fine\":500000', '\"fine\":5') WHERE seq = 1")
    body = page(client, auditor, reverse("ledger:entries") + "?verify=1").content.decode()
    assert "Verification failed" in body and "entry #1" in body


def test_nav_entry_for_oversight_only(entries, make_user):
    from bersih.core.navigation import navigation_for

    assert "ledger" in [e.key for e in navigation_for(make_user("a", "oversight", entries.bks))]
    assert "ledger" not in [e.key for e in navigation_for(make_user("b", "officer", entries.bks))]


def test_checkpoint_export_json_and_pdf(client, entries, make_user, key_dir):
    from bersih.ledger.services import checkpoint_create
    from bersih.ledger.verify import verify_exported_checkpoint

    checkpoint = checkpoint_create(actor=SYSTEM)
    auditor = make_user("auditor", "oversight", entries.bks)
    response = page(client, auditor, reverse("ledger:checkpoint-export", args=[checkpoint.pk, "json"]))
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    assert verify_exported_checkpoint(response.json()) is None
    response = client.get(reverse("ledger:checkpoint-export", args=[checkpoint.pk, "pdf"]))
    assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF-")
    assert client.get(f"/ledger/checkpoints/{checkpoint.pk}.txt").status_code == 404
    assert (
        client.get(reverse("ledger:checkpoint-export", args=[checkpoint.pk + 99, "json"])).status_code == 404
    )
    officer = make_user("officer", "officer", entries.bks)
    assert (
        page(client, officer, reverse("ledger:checkpoint-export", args=[checkpoint.pk, "json"])).status_code
        == 403
    )

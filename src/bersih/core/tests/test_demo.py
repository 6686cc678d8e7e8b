import pytest
from django.core.management import call_command

from bersih.core.demo import DEMO_PASSWORD, DEMO_STAFF
from bersih.core.models import Assignment, Unit, User
from bersih.core.rules import ROLES


@pytest.fixture
def demo_loaded(db, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.SIPMAS_DEMO_WEEKS = 2  # a short Sipmas history: these tests are about the whole world
    call_command("seed_demo", seed=7, verbosity=0)


@pytest.fixture
def demo_people(db, settings, tmp_path):
    """Only the demo's units and people (navigation depends on roles, not on the records)."""
    from bersih.core import demo as core_demo

    settings.VAR_DIR = tmp_path
    core_demo.seed(core_demo.new_world(7, log=lambda *_: None))


def test_demo_has_an_account_for_every_role(demo_loaded):
    roles = set(Assignment.objects.values_list("role", flat=True))
    assert roles == set(ROLES)
    for username, *_ in DEMO_STAFF:
        assert User.objects.get(username=username).check_password(DEMO_PASSWORD)


def test_demo_tree_is_polres_metro_bekasi_under_polda_metro_jaya(demo_loaded):
    bekasi = Unit.objects.get(code="bks")
    assert bekasi.name == "Polres Metro Bekasi"
    assert bekasi.parent.name == "Polda Metro Jaya"
    assert Unit.objects.get(code="bks-satpas").polres() == bekasi


def test_demo_is_loaded_once(demo_loaded, capsys):
    count = User.objects.count()
    call_command("seed_demo", seed=7)
    assert "already loaded" in capsys.readouterr().out
    assert User.objects.count() == count


@pytest.mark.django_db
def test_demo_is_deterministic_from_its_seed():
    def names(seed):
        from bersih.core.demo import new_world

        world = new_world(seed)
        return [world.faker.name() for _ in range(5)]

    assert names(11) == names(11)
    assert names(11) != names(12)


def test_demo_sensitive_accounts_have_a_totp_code(demo_loaded, capsys):
    call_command("otp_code", "kapolres")
    code = capsys.readouterr().out.strip()
    assert len(code) == 6 and code.isdigit()


def test_demo_api_keys_work_for_their_clients(demo_loaded, client):
    from bersih.core.demo import demo_keys_file

    lines = [line for line in demo_keys_file().read_text().splitlines() if line.startswith("bsk_")]
    assert len(lines) == 4
    camera_key = next(line.split()[0] for line in lines if "etle:events" in line)
    response = client.get("/api/v1/core/me", HTTP_AUTHORIZATION=f"Bearer {camera_key}")
    assert response.status_code == 200
    assert "etle:events" in response.json()["scopes"]


# What each demo account finds in its navigation: a role sees what its work needs, nothing more.
EXPECTED_NAVIGATION = {
    "admin": {"core.api-clients", "notify.outbox", "documents", "etle-blocks"},
    "kapolres": {
        "ledger",
        "notify.outbox",
        "documents",
        "etle-oversight",
        "etle-dashboard",
        "etle-blocks",
        "etle-payments",
        "licensing-statistics",
        "licensing-integrity",
    },
    "siwas": {
        "ledger",
        "notify.outbox",
        "documents",
        "etle-oversight",
        "etle-dashboard",
        "etle-blocks",
        "etle-payments",
        "licensing-statistics",
        "licensing-integrity",
    },
    "lantas": {"notify.outbox", "documents", "etle-wrong-address", "etle-payments"},
    "kasat-lantas": {
        "notify.outbox",
        "documents",
        "etle-oversight",
        "etle-dashboard",
        "etle-blocks",
        "etle-wrong-address",
        "etle-payments",
        "licensing-statistics",
        "licensing-integrity",
        "licensing-shifts",
        "licensing-lines",
        "licensing-kiosk",  # the Satpas is part of Satlantas
        "licensing-priority",
    },
    "loket1": {"documents", "licensing-counter", "licensing-kiosk", "licensing-priority"},
    "jaksa": set(),
}
# Every police role reads the Sipmas cases of its units (services.view_case) and the integrity zone's
# assessments and survey results; the prosecutor does not.
for _username, _keys in EXPECTED_NAVIGATION.items():
    if _username != "jaksa":
        _keys |= {"services-cases", "services-late", "integrity-assessments", "integrity-surveys"}
# Leadership, oversight and unit heads see the monitoring of every service.
for _username in ("kapolres", "siwas", "kasat-lantas"):
    EXPECTED_NAVIGATION[_username].add("services-monitor")
# Leadership and oversight see the integrity signals of every module.
for _username in ("kapolres", "siwas"):
    EXPECTED_NAVIGATION[_username].add("integrity-signals")


@pytest.mark.parametrize("username", sorted(EXPECTED_NAVIGATION))
def test_each_demo_role_sees_its_own_navigation(demo_people, client, username):
    from bersih.core.navigation import navigation_for
    from bersih.core.testing import sign_in

    user = User.objects.get(username=username)
    assert {entry.key for entry in navigation_for(user)} == EXPECTED_NAVIGATION[username]
    sign_in(client, user)
    page = client.get("/staf/").content.decode()
    for entry in navigation_for(user):
        assert f'href="{entry.url()}"' in page
    if "ledger" not in EXPECTED_NAVIGATION[username]:
        assert 'href="/ledger/"' not in page

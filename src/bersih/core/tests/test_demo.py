import pytest
from django.core.management import call_command

from bersih.core.demo import DEMO_PASSWORD, DEMO_STAFF
from bersih.core.models import Assignment, Unit, User
from bersih.core.rules import ROLES


@pytest.fixture
def demo_loaded(db):
    call_command("seed_demo", seed=7, verbosity=0)


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

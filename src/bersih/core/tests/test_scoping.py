import pytest
from django.db import IntegrityError

from bersih.core.models import Assignment, Unit
from bersih.core.querysets import scope_paths


@pytest.mark.django_db
def test_unit_path_follows_tree(org):
    assert org.bks_satpas.path == "/pmj/bks/bks-satlantas/bks-satpas/"
    assert org.bks_satpas.polres() == org.bks
    assert set(org.bks.subtree().values_list("code", flat=True)) >= {"bks", "bks-satlantas", "bks-satpas"}
    assert not org.bks.subtree().filter(code__startswith="dpk").exists()


@pytest.mark.django_db
def test_scope_of_polda_oversight_covers_every_polres(org, make_user):
    auditor = make_user("auditor", "oversight", org.polda)
    officer = make_user("officer", "officer", org.bks_satlantas)
    assert scope_paths(auditor) == ["/pmj/"]
    assert scope_paths(officer) == ["/pmj/bks/bks-satlantas/"]
    visible = Unit.objects.filter(path__startswith=scope_paths(officer)[0])
    assert org.dpk_satlantas not in visible


@pytest.mark.django_db
def test_agency_role_must_sit_in_an_agency(org, make_user):
    person = make_user("jaksa")
    with pytest.raises(IntegrityError):
        Assignment.objects.create(user=person, role="agency_user", unit=org.bks)


@pytest.mark.django_db
def test_roles_are_read_once_and_forgotten_after_a_grant(org, make_user, django_assert_num_queries):
    from bersih.core.permissions import roles_of
    from bersih.core.services import assignment_grant
    from bersih.ledger.services import SYSTEM

    person = make_user("budi", "officer", org.bks_spkt)
    with django_assert_num_queries(1):
        assert roles_of(person) == {"officer"}
        assert scope_paths(person) == ["/pmj/bks/bks-spkt/"]
    assignment_grant(actor=SYSTEM, user=person, role="supervisor", unit=org.bks_satlantas)
    assert roles_of(person) == {"officer", "supervisor"}
    assert scope_paths(person) == ["/pmj/bks/bks-satlantas/", "/pmj/bks/bks-spkt/"]

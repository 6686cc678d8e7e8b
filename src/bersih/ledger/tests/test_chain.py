import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bersih import ledger
from bersih.ledger.chain import GENESIS_HASH, canonical_body, canonical_data, canonical_json, entry_hash
from bersih.ledger.models import Entry
from bersih.ledger.services import INSERT_SQL, SYSTEM, describe_actor, record_read
from bersih.ledger.verify import verify_ledger

pytestmark = pytest.mark.django_db


def test_entries_chain_from_genesis(org, make_user):
    officer = make_user("andi", "officer", org.bks_satlantas)
    first = ledger.record(
        actor=officer, action="etle.violation.approved", subject=("etle.violation", 7, "ETLE-1")
    )
    second = ledger.record(actor=SYSTEM, action="etle.sweep.ran", data={"blocked": 3}, unit=org.bks)
    assert (first.seq, second.seq) == (1, 2)
    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.hash
    assert first.hash == entry_hash(GENESIS_HASH, first.body)
    assert (first.actor_kind, first.actor_id, first.actor_label) == ("user", str(officer.pk), "andi")
    assert (first.subject_type, first.subject_id, first.subject_ref) == ("etle.violation", "7", "ETLE-1")
    assert second.unit == org.bks and second.actor_kind == "system"
    report = verify_ledger()
    assert report.ok and report.count == 2 and report.head_hash == second.hash


def test_record_returns_the_entry_exactly_as_stored(org):
    entry = ledger.record(
        actor=SYSTEM,
        action="etle.violation.approved",
        subject=("etle.violation", 9, "E-9"),
        unit=org.bks,
        data={"fine": 500000, "on": date(2026, 1, 2)},
    )
    stored = Entry.objects.get(seq=entry.seq)
    assert entry.pk == stored.pk and not entry._state.adding and entry._state.db == "default"
    for field in Entry._meta.concrete_fields:
        assert getattr(entry, field.attname) == getattr(stored, field.attname), field.attname


def test_model_subject_gives_type_id_and_unit(org, make_user):
    person = make_user("siti", "oversight", org.bks)
    entry = ledger.record(actor=person, action="core.assignment.granted", subject=person.assignments.get())
    assert entry.subject_type == "core.assignment"
    assert entry.subject_id == str(person.assignments.get().pk)
    assert entry.unit == org.bks  # taken from the subject's unit


def test_api_client_actor(org):
    from bersih.core.models import ApiClient

    client = ApiClient.objects.create(name="Kamera Tol", owner_unit=org.bks_satlantas)
    assert describe_actor(client) == ("client", str(client.pk), "Kamera Tol")


@pytest.mark.parametrize("action", ["", "approved", "etle..x", "etle.violation approved", ".x", None])
def test_malformed_action_refused_and_nothing_written(action):
    with pytest.raises(ValueError):
        ledger.record(actor=SYSTEM, action=action)
    assert not Entry.objects.exists()


@pytest.mark.parametrize("data", [{"a": "x\x00y"}, {"\x00": 1}, {"a": ["\x00"]}])
def test_nul_characters_refused(data):
    with pytest.raises(ValueError, match="NUL"):
        ledger.record(actor=SYSTEM, action="x.y.z", data=data)
    assert not Entry.objects.exists()


def test_control_characters_in_columns_become_spaces():
    entry = ledger.record(actor=SYSTEM, action="x.y.z", subject=("a.b", "1\x00", "REF\n2\t\x7f"))
    assert (entry.subject_id, entry.subject_ref) == ("1 ", "REF 2  ")
    assert verify_ledger().ok


def test_quotes_backslashes_and_unicode_in_columns_verify(make_user):
    person = make_user('o"brien\\ é 漢')
    ledger.record(actor=person, action="x.y.z", subject=("a.b", 'x"y', "Rp1.250.000 \u2028 ✓"))
    entry = Entry.objects.get()
    assert (entry.actor_label, entry.subject_id, entry.subject_ref) == (
        'o"brien\\ é 漢',
        'x"y',
        "Rp1.250.000 \u2028 ✓",
    )
    assert verify_ledger().ok


def test_non_dict_data_refused():
    with pytest.raises(TypeError):
        ledger.record(actor=SYSTEM, action="x.y.z", data=["a"])
    assert not Entry.objects.exists()


def test_entry_rolls_back_with_the_callers_transaction():
    with pytest.raises(RuntimeError), transaction.atomic():
        ledger.record(actor=SYSTEM, action="x.y.z")
        raise RuntimeError("the change failed")
    assert not Entry.objects.exists()
    assert ledger.record(actor=SYSTEM, action="x.y.z").seq == 1


def test_whole_floats_are_stored_as_integers():
    entry = ledger.record(actor=SYSTEM, action="x.y.z", data={"big": 1e16, "two": 2.0, "half": 0.5})
    entry.refresh_from_db()
    assert entry.data == {"big": 10**16, "two": 2, "half": 0.5}
    assert isinstance(entry.data["two"], int)


def test_data_is_stored_exactly_as_hashed():
    entry = ledger.record(actor=SYSTEM, action="x.y.z", data={"on": date(2026, 1, 2), "fee": Decimal("1.5")})
    entry.refresh_from_db()
    assert entry.data == {"on": "2026-01-02", "fee": "1.5"}
    assert json.loads(entry.body)["data"] == entry.data


def test_columns_are_generated_from_the_body(org):
    entry = ledger.record(
        actor=SYSTEM, action="x.y.z", subject=("a.b", 7, "REF-7"), unit=org.bks, data={"k": [1, "v"]}
    )
    stored = Entry.objects.get(pk=entry.pk)
    body = json.loads(stored.body)
    assert stored.seq == body["seq"] == 1
    assert stored.at.isoformat(timespec="microseconds") == body["at"]
    assert [stored.actor_kind, stored.actor_id, stored.actor_label] == body["actor"]
    assert (
        [stored.subject_type, stored.subject_id, stored.subject_ref]
        == body["subject"]
        == ["a.b", "7", "REF-7"]
    )
    assert stored.action == body["action"] and stored.data == body["data"] == {"k": [1, "v"]}
    assert stored.unit_id == body["unit"] == org.bks.pk


@pytest.mark.parametrize("microsecond", [0, 1, 500000, 999999])
def test_time_column_is_exact_and_filters_like_any_datetime(microsecond):
    import time_machine
    from django.utils import timezone

    moment = datetime(2026, 3, 4, 5, 6, 7, microsecond, tzinfo=UTC)
    with time_machine.travel(moment, tick=False):
        entry = ledger.record(actor=SYSTEM, action="x.y.z")
    assert entry.at == moment
    assert Entry.objects.get(pk=entry.pk).at == moment
    assert Entry.objects.filter(at=moment).count() == 1
    assert Entry.objects.filter(at__gte=moment, at__lt=moment + timedelta(microseconds=1)).count() == 1
    assert not Entry.objects.filter(at__gt=moment).exists()
    assert Entry.objects.filter(at__date=timezone.localdate(moment)).count() == 1


def test_unit_is_a_relation_over_the_generated_column(org):
    ledger.record(actor=SYSTEM, action="x.y.z", unit=org.bks_satlantas)
    ledger.record(actor=SYSTEM, action="x.y.z")
    entry = Entry.objects.select_related("unit").get(unit__isnull=False)
    assert entry.unit == org.bks_satlantas and entry.unit_id == org.bks_satlantas.pk
    assert Entry.objects.filter(unit=org.bks_satlantas).count() == 1
    assert Entry.objects.filter(unit__path__startswith=org.bks.path).count() == 1
    assert Entry.objects.filter(unit__isnull=True).count() == 1


def test_unit_with_entries_cannot_be_deleted(org):
    from django.db.models import ProtectedError

    from bersih.core.models import Unit

    unit = Unit.objects.create(code="lab", name="Lab", kind="unit", parent=org.bks)
    ledger.record(actor=SYSTEM, action="x.y.z", unit=unit)
    with pytest.raises(ProtectedError):
        unit.delete()


def test_duplicate_sequence_refused_by_database():
    entry = ledger.record(actor=SYSTEM, action="x.y.z")
    body = entry.body.replace('"x.y.z"', '"x.y.w"')  # another entry with the same sequence number
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(INSERT_SQL, [body, GENESIS_HASH, "f" * 64])
    assert Entry.objects.count() == 1


def test_orm_cannot_write_the_generated_columns():
    entry = ledger.record(actor=SYSTEM, action="x.y.z")
    with pytest.raises(IntegrityError), transaction.atomic():
        # Django leaves generated columns out of the INSERT: an entry without a body is refused.
        Entry.objects.create(prev_hash=GENESIS_HASH, hash="e" * 64, body="{}")
    assert list(Entry.objects.values_list("seq", flat=True)) == [entry.seq]


def test_record_read_names_the_model(org, make_user):
    investigator = make_user("ppa", "investigator", org.bks_ppa)
    entry = ledger.record_read(
        actor=investigator, subject=("children.child", 12, "ANAK-1"), reason="case review"
    )
    assert entry.action == "children.child.read"
    assert entry.data == {"reason": "case review"}
    with pytest.raises(ValueError):
        record_read(actor=investigator, subject=None)


# Text a database can hold: no NUL (refused, see above) and no lone surrogates (not UTF-8).
safe_chars = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(safe_chars, max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(safe_chars, max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.dictionaries(st.text(safe_chars, max_size=10), json_values, max_size=5))
def test_any_json_data_round_trips_to_the_same_hash(data):
    with transaction.atomic():
        entry = ledger.record(actor=SYSTEM, action="test.data.round_trip", data=data)
        stored = Entry.objects.get(pk=entry.pk)
        # Recomputing the body from what the database gives back yields the same bytes and hash.
        again = canonical_body(
            seq=stored.seq,
            at=stored.at,
            actor_kind=stored.actor_kind,
            actor_id=stored.actor_id,
            actor_label=stored.actor_label,
            action=stored.action,
            subject_type=stored.subject_type,
            subject_id=stored.subject_id,
            subject_ref=stored.subject_ref,
            unit_id=stored.unit_id,
            data=stored.data,
        )
        assert again == stored.body
        assert entry_hash(stored.prev_hash, again) == stored.hash
        assert canonical_json(stored.data) == canonical_json(canonical_data(data))
        assert stored.data == json.loads(stored.body)["data"]
        report = verify_ledger()
        assert report.ok, report.problem
        transaction.set_rollback(True)


def test_vendor_is_supported():
    assert connection.vendor in {"sqlite", "postgresql"}

"""Migration 0003 turns the searchable columns of existing entries into columns generated from their
bodies: the entries survive unchanged, the chain still verifies, the triggers still refuse changes."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from bersih import ledger
from bersih.ledger.chain import GENESIS_HASH, canonical_body, canonical_json, entry_hash
from bersih.ledger.models import Entry
from bersih.ledger.services import SYSTEM
from bersih.ledger.verify import check_columns, verify_ledger

BEFORE = [("ledger", "0002_body_checkpoint_append_only")]
AFTER = [("ledger", "0003_generated_columns")]

OLD_COLUMNS = (
    "seq, at, actor_kind, actor_id, actor_label, action, subject_type, subject_id, subject_ref, unit_id, "
    "data, body, prev_hash, hash"
)


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def old_record(seq, prev_hash, *, unit_id, data):
    """An entry as record wrote it before 0003: every column, and the body they were taken from."""
    at = timezone.now().replace(microsecond=0 if seq == 2 else 123456)
    fields = {
        "actor_kind": "user",
        "actor_id": str(seq),
        "actor_label": f'officer "{seq}" é',
        "action": "etle.violation.approved",
        "subject_type": "etle.violation",
        "subject_id": str(seq * 10),
        "subject_ref": f"ETLE-{seq}",
    }
    body = canonical_body(seq=seq, at=at, unit_id=unit_id, data=data, **fields)
    own_hash = entry_hash(prev_hash, body)
    data_placeholder = "%s::jsonb" if connection.vendor == "postgresql" else "%s"
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO ledger_entry ({OLD_COLUMNS}) VALUES "  # noqa: S608
            f"(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, {data_placeholder}, %s, %s, %s)",
            [
                seq,
                connection.ops.adapt_datetimefield_value(at),
                *fields.values(),
                unit_id,
                canonical_json(data),
                body,
                prev_hash,
                own_hash,
            ],
        )
    return {"seq": seq, "at": at, **fields, "unit_id": unit_id, "data": data, "body": body, "hash": own_hash}


@pytest.mark.django_db(transaction=True)
def test_entries_made_before_the_generated_columns_survive_the_migration(org):
    migrate(BEFORE)
    try:
        made, prev = [], GENESIS_HASH
        for seq, unit, data in (
            (1, org.bks, {"fine": 500000}),
            (2, None, {}),
            (3, org.bks_satlantas, {"a": [1]}),
        ):
            made.append(old_record(seq, prev, unit_id=unit.pk if unit else None, data=data))
            prev = made[-1]["hash"]
    finally:
        migrate(AFTER)
    for old in made:
        entry = Entry.objects.get(seq=old["seq"])
        for name, value in old.items():
            assert getattr(entry, name) == value, name
    assert check_columns() == []
    report = verify_ledger()
    assert report.ok and report.count == 3 and report.head_hash == made[-1]["hash"]
    assert Entry.objects.filter(unit__path__startswith=org.bks.path).count() == 2
    # The append-only triggers were put back on the rebuilt table.
    for sql in ("UPDATE ledger_entry SET body = body", "DELETE FROM ledger_entry WHERE seq = 3"):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql)
    # And the chain goes on from the migrated head.
    entry = ledger.record(actor=SYSTEM, action="test.after.migration")
    assert entry.seq == 4 and entry.prev_hash == made[-1]["hash"]
    assert verify_ledger().ok

"""Each kind of tampering is refused by the database, or caught by verify."""

import pytest
from django.db import DatabaseError, connection, transaction

from bersih import ledger
from bersih.ledger.chain import GENESIS_HASH, entry_hash
from bersih.ledger.models import Checkpoint, Entry
from bersih.ledger.services import SYSTEM, checkpoint_create
from bersih.ledger.verify import Problem, check_columns, verify_ledger

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain():
    return [ledger.record(actor=SYSTEM, action="test.item.made", data={"n": n}) for n in range(6)]


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE ledger_entry SET body = replace(body, '\"n\":1', '\"n\":99') WHERE seq = 2",
        "UPDATE ledger_entry SET hash = prev_hash",
        "DELETE FROM ledger_entry WHERE seq = 6",
        "DELETE FROM ledger_entry",
    ],
)
def test_raw_update_and_delete_are_refused(chain, sql):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)
    assert Entry.objects.count() == 6
    assert verify_ledger().ok


def test_orm_update_and_delete_are_refused(chain):
    # A generated column: Django leaves it out of the UPDATE (nothing to write, nothing written).
    assert Entry.objects.filter(seq=3).update(action="test.item.hidden") == 0
    with pytest.raises(DatabaseError), transaction.atomic():
        Entry.objects.filter(seq=3).update(body="{}")
    with pytest.raises(DatabaseError), transaction.atomic():
        chain[0].delete()
    assert Entry.objects.get(seq=3).action == "test.item.made"


def test_checkpoints_are_append_only_too(chain, key_dir):
    checkpoint_create(actor=SYSTEM)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE ledger_checkpoint SET seq = 1")
    with pytest.raises(DatabaseError), transaction.atomic():
        Checkpoint.objects.all().delete()


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("data", '{"n":300}'),
        ("action", "test.item.unmade"),
        ("actor_label", "someone else"),
        ("subject_ref", "X"),
        ("seq", 1000),
        ("unit_id", 1),
        ("at", "2020-01-01 00:00:00"),
    ],
)
def test_columns_cannot_be_written_even_without_the_triggers(chain, tamper, column, value):
    # The searchable columns are generated from the hashed body: the database refuses to have them
    # written at all, so they cannot be made to say something the body does not.
    with pytest.raises(DatabaseError), transaction.atomic():
        tamper(f"UPDATE ledger_entry SET {column} = %s WHERE seq = 3", [value])  # noqa: S608
    assert verify_ledger().ok


def test_changed_body_detected_and_its_columns_follow_it(chain, tamper):
    tamper("UPDATE ledger_entry SET body = replace(body, '\"n\":2', '\"n\":300') WHERE seq = 3")
    assert Entry.objects.get(seq=3).data == {"n": 300}  # the database recomputed the column...
    report = verify_ledger()
    assert not report.ok  # ...and the body no longer hashes to the entry's hash
    assert report.problem.seq == 3 and "hash mismatch" in report.problem.reason
    assert report.count == 2 and report.head_seq == 2 and report.head_hash == chain[1].hash


def test_changed_body_detected(chain, tamper):
    tamper("UPDATE ledger_entry SET body = replace(body, '\"n\":2', '\"n\":20') WHERE seq = 3")
    report = verify_ledger()
    assert report.problem.seq == 3 and "hash mismatch" in report.problem.reason
    assert report.count == 2


def test_body_rewritten_in_another_json_layout_is_a_hash_mismatch(chain, tamper):
    tamper("UPDATE ledger_entry SET body = replace(body, ',', ', ') WHERE seq = 3")
    assert Entry.objects.get(seq=3).data == {"n": 2}  # the same content...
    report = verify_ledger()
    assert report.problem.seq == 3 and "hash mismatch" in report.problem.reason  # ...but not the bytes


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        '{"seq":3}',  # no time, actor, action, subject or data
        '{"action":"x.y","actor":["system","","s"],"at":"2026-01-01T00:00:00.000000+07:00","data":{},'
        '"seq":3,"subject":["","",""],"unit":null}',  # a time that is not UTC as record writes it
    ],
)
def test_body_the_columns_cannot_be_generated_from_is_refused(chain, tamper, body):
    with pytest.raises(DatabaseError), transaction.atomic():
        tamper("UPDATE ledger_entry SET body = %s WHERE seq = 3", [body])
    assert verify_ledger().ok


def test_column_definitions_checked():
    assert check_columns() == []


def test_column_redefined_as_a_plain_one_detected(chain, tamper):
    # Someone with the schema in hand replaces a generated column by a plain one they can write.
    tamper("ALTER TABLE ledger_entry DROP COLUMN unit_id")
    tamper("ALTER TABLE ledger_entry ADD COLUMN unit_id bigint NULL")
    report = verify_ledger()
    assert not report.ok and report.problem is None
    assert report.column_problems == [
        "column unit_id is no longer a stored column generated from the hashed body"
    ]


def test_column_generated_by_another_expression_detected(chain, tamper):
    if connection.vendor == "postgresql":
        tamper("ALTER TABLE ledger_entry DROP COLUMN unit_id")
        tamper("ALTER TABLE ledger_entry ADD COLUMN unit_id bigint GENERATED ALWAYS AS (NULL::bigint) STORED")
        expected = "column unit_id is generated by another expression than the ledger's"
    else:  # SQLite adds only virtual generated columns to an existing table
        tamper("ALTER TABLE ledger_entry DROP COLUMN unit_id")
        tamper("ALTER TABLE ledger_entry ADD COLUMN unit_id bigint GENERATED ALWAYS AS (NULL) VIRTUAL")
        expected = "column unit_id is no longer a stored column generated from the hashed body"
    assert verify_ledger().column_problems == [expected]


def test_dropped_column_detected(chain, tamper):
    tamper("ALTER TABLE ledger_entry DROP COLUMN unit_id")
    assert check_columns() == ["column unit_id is missing from the ledger table"]


def test_sqlite_table_definition_is_read_outside_comments_and_quotes():
    from bersih.ledger.verify import _sqlite_column_definitions, _sqlite_generation

    sql = (
        'CREATE TABLE "ledger_entry" ("id" integer, "body" text, -- "x" GENERATED ALWAYS AS (1) STORED\n'
        '"seq" bigint GENERATED ALWAYS AS (json_extract("body", \'$.a,(b\')) STORED, '
        '"unit_id" bigint /* GENERATED ALWAYS AS (json_extract("body", \'$.unit\')) STORED */, '
        "[data] text GENERATED ALWAYS AS (2)   STORED)"
    )
    columns = _sqlite_column_definitions(sql)
    assert list(columns) == ["id", "body", "seq", "unit_id", "data"]
    assert _sqlite_generation(columns["seq"]) == "json_extract(\"body\", '$.a,(b')"
    assert _sqlite_generation(columns["unit_id"]) is None  # only in a comment
    assert _sqlite_generation(columns["data"]) == "2"


def test_deleted_entry_detected(chain, tamper):
    tamper("DELETE FROM ledger_entry WHERE seq = 4")
    report = verify_ledger()
    assert report.problem.seq == 5
    assert "gap in sequence: #4 missing" in report.problem.reason
    assert report.count == 3


def test_deleted_head_detected_by_checkpoint(chain, tamper, key_dir):
    checkpoint_create(actor=SYSTEM)  # signs #6, records #7
    tamper("DELETE FROM ledger_entry WHERE seq >= 6")
    report = verify_ledger()
    assert report.problem is None  # what is left is a valid, shorter chain...
    assert not report.ok  # ...but the signed checkpoint of #6 no longer holds
    assert "#6 no longer exists" in report.checkpoint_problems[0]


def test_reordered_entries_detected(chain, tamper):
    # Entries 2 and 3 trade places: their bodies' sequence numbers exchanged (the column follows).
    tamper("UPDATE ledger_entry SET body = replace(body, '\"seq\":2,', '\"seq\":1000,') WHERE seq = 2")
    tamper("UPDATE ledger_entry SET body = replace(body, '\"seq\":3,', '\"seq\":2,') WHERE seq = 3")
    tamper("UPDATE ledger_entry SET body = replace(body, '\"seq\":1000,', '\"seq\":3,') WHERE seq = 1000")
    assert Entry.objects.get(seq=2).data == {"n": 2}
    report = verify_ledger()
    assert report.problem.seq == 2 and "broken link" in report.problem.reason
    assert report.count == 1


def test_deleted_entry_in_a_recomputed_chain_is_a_gap(chain, tamper):
    # Entry 4 deleted and every hash after it recomputed: the links hold, the numbers do not.
    tamper("DELETE FROM ledger_entry WHERE seq = 4")
    _recompute_hashes(tamper)
    report = verify_ledger()
    assert report.problem == Problem(5, "gap in sequence: #4 missing (deleted entries)")
    assert report.count == 3 and report.head_seq == 3


def _recompute_hashes(tamper):
    prev = GENESIS_HASH
    for entry in Entry.objects.order_by("seq"):
        new_hash = entry_hash(prev, entry.body)
        tamper(
            "UPDATE ledger_entry SET prev_hash = %s, hash = %s WHERE seq = %s", [prev, new_hash, entry.seq]
        )
        prev = new_hash


def test_recomputed_chain_without_key_caught_by_checkpoint(chain, tamper, key_dir):
    checkpoint = checkpoint_create(actor=SYSTEM)
    # An attacker rewrites entry 2's data and recomputes every hash after it, consistently.
    tamper("UPDATE ledger_entry SET body = replace(body, '\"n\":1', '\"n\":100') WHERE seq = 2")
    _recompute_hashes(tamper)
    report = verify_ledger()
    assert report.problem is None  # the chain alone looks consistent
    assert not report.ok
    assert f"#{checkpoint.seq} no longer has the signed hash" in report.checkpoint_problems[0]


def test_forged_checkpoint_refused(chain, tamper, key_dir, tmp_path):
    """A checkpoint re-signed with another key (the attacker's) is refused."""
    import base64

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from bersih.ledger import keys

    checkpoint = checkpoint_create(actor=SYSTEM)
    forger = Ed25519PrivateKey.generate()
    tamper(
        "UPDATE ledger_checkpoint SET signature = %s, public_key = %s, key_id = %s WHERE id = %s",
        [
            base64.b64encode(forger.sign(checkpoint.statement.encode())).decode(),
            keys.public_b64(forger.public_key()),
            keys.key_id(forger.public_key()),
            checkpoint.pk,
        ],
    )
    report = verify_ledger()
    assert "signed with another key" in report.checkpoint_problems[0]
    # Keeping the real public key but forging the signature bytes fails the signature check.
    tamper(
        "UPDATE ledger_checkpoint SET signature = %s, public_key = %s WHERE id = %s",
        [base64.b64encode(forger.sign(b"x")).decode(), checkpoint.public_key, checkpoint.pk],
    )
    assert "signature does not verify" in verify_ledger().checkpoint_problems[0]


def test_checkpoint_statement_changed_detected(chain, tamper, key_dir):
    checkpoint = checkpoint_create(actor=SYSTEM)
    tamper(
        "UPDATE ledger_checkpoint SET statement = replace(statement, %s, %s) WHERE id = %s",
        [f'"seq":{checkpoint.seq}', '"seq":1', checkpoint.pk],
    )
    assert "signature does not verify" in verify_ledger().checkpoint_problems[0]

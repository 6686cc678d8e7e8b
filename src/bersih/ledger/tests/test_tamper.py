"""Each kind of tampering is refused by the database, or caught by verify."""

import pytest
from django.db import DatabaseError, connection, transaction

from bersih import ledger
from bersih.ledger.chain import GENESIS_HASH, entry_hash
from bersih.ledger.models import Checkpoint, Entry
from bersih.ledger.services import SYSTEM, checkpoint_create
from bersih.ledger.verify import verify_ledger

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain():
    return [ledger.record(actor=SYSTEM, action="test.item.made", data={"n": n}) for n in range(6)]


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE ledger_entry SET data = '{\"n\": 99}' WHERE seq = 2",
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
    with pytest.raises(DatabaseError), transaction.atomic():
        Entry.objects.filter(seq=3).update(action="test.item.hidden")
    with pytest.raises(DatabaseError), transaction.atomic():
        chain[0].delete()
    assert Entry.objects.get(seq=3).action == "test.item.made"


def test_checkpoints_are_append_only_too(chain, key_dir):
    checkpoint_create(actor=SYSTEM)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE ledger_checkpoint SET seq = 1")
    with pytest.raises(DatabaseError), transaction.atomic():
        Checkpoint.objects.all().delete()


def test_changed_data_detected(chain, tamper):
    tamper("UPDATE ledger_entry SET data = %s WHERE seq = 3", ['{"n":300}'])
    report = verify_ledger()
    assert not report.ok
    assert report.problem.seq == 3
    assert "columns differ" in report.problem.reason
    assert report.count == 6  # the hashes themselves still link; the columns betray the change


def test_changed_body_detected(chain, tamper):
    tamper("UPDATE ledger_entry SET body = replace(body, '\"n\":2', '\"n\":20') WHERE seq = 3")
    report = verify_ledger()
    assert report.problem.seq == 3 and "hash mismatch" in report.problem.reason
    assert report.count == 2


def test_body_that_is_not_json_detected(chain, tamper):
    tamper("UPDATE ledger_entry SET body = 'not json' WHERE seq = 3")
    report = verify_ledger()
    assert report.problem.seq == 3 and not report.ok


def test_python_column_check_agrees(chain, tamper):
    from bersih.ledger.verify import _find_column_mismatch_in_python

    assert _find_column_mismatch_in_python() is None
    tamper("UPDATE ledger_entry SET subject_ref = 'X' WHERE seq = 4")
    assert _find_column_mismatch_in_python().seq == 4


def test_body_rewritten_in_another_json_layout_is_a_hash_mismatch_not_a_column_mismatch(chain, tamper):
    # The same content with spaces: SQLite's text comparison reports the entry (PostgreSQL compares
    # parsed JSON and does not), the Python comparison (the reference) finds the columns still say
    # what the body says, and the walk names the real problem: the bytes that were hashed changed.
    from bersih.ledger.verify import find_column_mismatch, sql_column_mismatch

    tamper("UPDATE ledger_entry SET body = replace(body, ',', ', ') WHERE seq = 3")
    assert sql_column_mismatch() == (3 if connection.vendor == "sqlite" else None)
    assert find_column_mismatch() is None
    report = verify_ledger()
    assert report.problem.seq == 3 and "hash mismatch" in report.problem.reason


def test_column_check_continues_past_an_entry_it_cleared(chain, tamper):
    from bersih.ledger.verify import find_column_mismatch

    tamper("UPDATE ledger_entry SET body = replace(body, ',', ', ') WHERE seq = 2")
    tamper("UPDATE ledger_entry SET actor_label = 'someone else' WHERE seq = 5")
    problem = find_column_mismatch()
    assert problem.seq == 5 and "columns differ" in problem.reason


def test_column_check_hands_over_to_python_when_the_database_keeps_reporting_agreeing_entries(
    chain, tamper, monkeypatch
):
    from bersih.ledger import verify

    tamper("UPDATE ledger_entry SET body = replace(body, ',', ', ') WHERE seq IN (1, 2)")
    tamper("UPDATE ledger_entry SET subject_ref = 'X' WHERE seq = 6")
    monkeypatch.setattr(verify, "SQL_CLEARED_LIMIT", 1)
    calls = []
    monkeypatch.setattr(verify, "sql_column_mismatch", lambda after=0: calls.append(after) or after + 1)
    problem = verify.find_column_mismatch()
    assert calls == [0]  # one entry cleared, then Python compared the rest itself
    assert problem.seq == 6 and "columns differ" in problem.reason


def test_changed_action_column_detected(chain, tamper):
    tamper("UPDATE ledger_entry SET action = 'test.item.unmade' WHERE seq = 5")
    assert verify_ledger().problem.seq == 5


def test_changed_time_detected(chain, tamper):
    tamper("UPDATE ledger_entry SET at = %s WHERE seq = 4", [chain[0].at])
    report = verify_ledger()
    assert report.problem.seq == 4 and "columns differ" in report.problem.reason


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
    # Swap entries 2 and 3 entirely (their sequence numbers exchanged).
    tamper("UPDATE ledger_entry SET seq = 1000 WHERE seq = 2")
    tamper("UPDATE ledger_entry SET seq = 2 WHERE seq = 3")
    tamper("UPDATE ledger_entry SET seq = 3 WHERE seq = 1000")
    report = verify_ledger()
    assert report.problem.seq == 2
    assert not report.ok


def test_recomputed_chain_without_key_caught_by_checkpoint(chain, tamper, key_dir):
    checkpoint = checkpoint_create(actor=SYSTEM)
    # An attacker rewrites entry 2's data and recomputes every hash after it, consistently.
    tamper(
        "UPDATE ledger_entry SET data = %s, body = replace(body, '\"n\":1', '\"n\":100') WHERE seq = 2",
        ['{"n":100}'],
    )
    prev = GENESIS_HASH
    for entry in Entry.objects.order_by("seq"):
        new_hash = entry_hash(prev, entry.body)
        tamper(
            "UPDATE ledger_entry SET prev_hash = %s, hash = %s WHERE seq = %s", [prev, new_hash, entry.seq]
        )
        prev = new_hash
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

"""A long chain walked in ranges by several processes gives the same verdict as one walk."""

import json
import os
import subprocess
import sys

import pytest
from django.db import connection

from bersih import ledger
from bersih.ledger import verify
from bersih.ledger.services import SYSTEM
from bersih.ledger.verify import verify_ledger

ENTRIES = 30


def make_chain(count=ENTRIES):
    return [ledger.record(actor=SYSTEM, action="test.item.made", data={"n": n}) for n in range(count)]


def change_body(seq):
    """SQL changing the data in entry ``seq``'s body (made by make_chain: n = seq - 1)."""
    return f"UPDATE ledger_entry SET body = replace(body, '\"n\":{seq - 1}', '\"n\":0') WHERE seq = {seq}"  # noqa: S608


@pytest.fixture
def in_ranges(monkeypatch):
    """Ranges from 10 entries up, walked one after the other in this process (the in-memory test
    database cannot be shared with forked processes); returns the ranges walked."""
    walked = []

    def walk_here(ranges, chunk_size):
        walked.append(ranges)
        return [verify.walk_range(after, last, chunk_size=chunk_size) for after, last in ranges]

    monkeypatch.setattr(verify, "PARALLEL_MIN_ENTRIES", 10)
    monkeypatch.setattr(verify, "_can_fork", lambda: True)
    monkeypatch.setattr(verify, "_walk_in_processes", walk_here)
    return walked


def test_ranges_cover_the_chain_once():
    assert verify._split(10, 4) == [(-1, 10)]  # short: one range
    verify_split = verify._split(100_000, 3)
    assert verify_split == [(-1, 33333), (33333, 66666), (66666, 100000)]
    assert verify._split(25_000, 8) == [(-1, 12500), (12500, 25000)]  # at least 10,000 entries each


@pytest.mark.django_db
def test_chain_walked_in_ranges_verifies(in_ranges):
    chain = make_chain()
    report = verify_ledger(workers=3, chunk_size=4)
    assert in_ranges == [[(-1, 10), (10, 20), (20, 30)]]
    assert report.ok and report.count == ENTRIES and report.head_seq == ENTRIES
    assert report.head_hash == chain[-1].hash


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("tampering", "seq", "reason", "count"),
    [
        (["DELETE FROM ledger_entry WHERE seq = 11"], 12, "gap in sequence: #11 missing", 10),
        (["DELETE FROM ledger_entry WHERE seq = 10"], 11, "gap in sequence: #10 missing", 9),
        (["DELETE FROM ledger_entry WHERE seq > 10 AND seq <= 20"], 21, "#11 to #20 missing", 10),
        (["DELETE FROM ledger_entry WHERE seq = 1"], 2, "gap in sequence: #1 missing", 0),
        (
            [change_body(15)],
            15,
            "hash",
            14,
        ),
        (
            [change_body(21)],
            21,
            "hash",
            20,
        ),
        (["UPDATE ledger_entry SET prev_hash = hash WHERE seq = 21"], 21, "broken link", 20),
        (["UPDATE ledger_entry SET hash = '" + "f" * 64 + "' WHERE seq = 20"], 20, "hash mismatch", 19),
        (
            [
                "DELETE FROM ledger_entry WHERE seq = 25",
                change_body(5),
            ],
            5,
            "hash mismatch",
            4,
        ),
    ],
)
def test_walk_in_ranges_names_the_same_problem_as_one_walk(in_ranges, tamper, tampering, seq, reason, count):
    make_chain()
    for sql in tampering:
        tamper(sql)
    one = verify_ledger(workers=1)
    assert in_ranges == []
    several = verify_ledger(workers=3, chunk_size=4)
    assert len(in_ranges) == 1
    for report in (one, several):
        assert report.problem.seq == seq and reason in report.problem.reason
        assert report.count == count
    assert (several.problem, several.count, several.head_seq, several.head_hash) == (
        one.problem,
        one.count,
        one.head_seq,
        one.head_hash,
    )


@pytest.mark.django_db
def test_one_process_inside_a_transaction(monkeypatch):
    # Other processes could not see this transaction's entries: verify walks them itself.
    monkeypatch.setattr(verify, "PARALLEL_MIN_ENTRIES", 10)
    monkeypatch.setattr(verify, "_walk_in_processes", lambda *args: pytest.fail("forked in a transaction"))
    make_chain()
    assert verify_ledger(workers=4).ok


@pytest.mark.django_db(transaction=True)
def test_forked_processes_walk_the_chain_postgresql(monkeypatch, tamper):
    if connection.vendor != "postgresql":
        pytest.skip("the SQLite variant runs against a file database below")
    monkeypatch.setattr(verify, "PARALLEL_MIN_ENTRIES", 10)
    forked = []
    real = verify._walk_in_processes
    monkeypatch.setattr(verify, "_walk_in_processes", lambda *args: forked.append(1) or real(*args))
    chain = make_chain()
    report = verify_ledger(workers=3)
    assert forked and report.ok and report.count == ENTRIES and report.head_hash == chain[-1].hash
    tamper(change_body(21))
    report = verify_ledger(workers=3)
    assert report.problem.seq == 21 and "hash mismatch" in report.problem.reason and report.count == 20
    ledger.record(actor=SYSTEM, action="test.after.verify")  # the connection is usable again


def test_forked_processes_walk_the_chain_sqlite(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'ledger.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "bersih.settings",
        "BERSIH_VAR_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "-m", "bersih.ledger.tests.verify_probe", str(ENTRIES)],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["forked"] == 2
    assert outcome["ok"] == [True, False]
    assert outcome["problem"] == "entry #21: hash mismatch: the entry was changed after it was written"
    assert outcome["count"] == [ENTRIES, 20]

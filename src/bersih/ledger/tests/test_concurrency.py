"""Concurrent writers cannot fork the chain, on either database."""

import json
import os
import subprocess
import sys

import pytest
from django.db import connection

from bersih.ledger.models import Entry
from bersih.ledger.tests.concurrency_probe import append_concurrently
from bersih.ledger.verify import verify_ledger

THREADS, PER_THREAD = 6, 15


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_form_one_chain_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("the SQLite variant runs against a file database below")
    errors = append_concurrently(threads=THREADS, per_thread=PER_THREAD)
    assert errors == []
    seqs = list(Entry.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, THREADS * PER_THREAD + 1))
    report = verify_ledger()
    assert report.ok and report.count == THREADS * PER_THREAD


def test_concurrent_appends_form_one_chain_sqlite(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'ledger.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "bersih.settings",
        "BERSIH_VAR_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "-m", "bersih.ledger.tests.concurrency_probe", str(THREADS), str(PER_THREAD)],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["errors"] == []
    assert outcome["seqs"] == list(range(1, THREADS * PER_THREAD + 1))
    assert outcome["ok"] and outcome["count"] == THREADS * PER_THREAD

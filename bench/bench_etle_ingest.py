"""ETLE ingestion: events/s through the service's bulk path, and through the HTTP batch endpoint of a
real server started here.

The service path does everything a camera batch gets: schema and time checks, plate parsing, replay
detection, registry lookup, merging into open violations, violation rows with tracking numbers,
capture rows and one ledger entry per batch of 1,000. Its limit (the target's ratio, SQLite) is a raw
``sqlite3`` ``executemany`` of the same rows — the violation and capture rows the service stored — into
tables of the same shape (a copy of the real tables: their indexes, CHECK constraints and foreign
keys), one commit per 1,000 events, in the same run: as fast as the service could be without Python
work. For comparison it also prints the ratio to the capture rows alone into a bare table with one
unique index, which leaves out the violation rows and the indexes the application's reads need.
"""

from __future__ import annotations

import os
import random
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from bench.bench_ledger import fresh_database
from bench.report import figure

EVENTS = int(os.environ.get("BENCH_ETLE_EVENTS", "100000"))
HTTP_EVENTS = int(os.environ.get("BENCH_ETLE_HTTP_EVENTS", "20000"))
BATCH = 1000
VEHICLES = 8000


def _setup():
    from bersih.core import apikeys
    from bersih.core.models import Unit
    from bersih.etle.models import Camera, Vehicle
    from bersih.ledger.services import SYSTEM

    tag = time.time_ns()  # a server database keeps earlier runs' rows: this run's names are its own
    unit = Unit.objects.create(code=f"bench-{tag}", name="Satlantas Bench", kind="polres")
    client = apikeys.apiclient_create(
        actor=SYSTEM,
        name=f"bench camera {tag}",
        owner_unit=unit,
        scopes=["etle:events"],
        rate_limit_per_minute=10**6,
    )
    _key, plaintext = apikeys.apikey_issue(actor=SYSTEM, client=client)
    cameras = [
        Camera.objects.create(
            code=f"bench-{tag}-{n}",
            name=f"Bench {n}",
            road="Jl. Raya Tambun",
            latitude="-6.26",
            longitude="107.05",
            speed_limit_kmh=60,
            violation_codes=[],
            api_client=client,
            unit=unit,
        )
        for n in range(3)
    ]
    Vehicle.objects.bulk_create(
        ignore_conflicts=True,
        objs=[
            Vehicle(plate=f"B {n} FA", owner_name="Pemilik", owner_address="Bekasi", vehicle_class="car")
            for n in range(1, VEHICLES + 1)
        ],
        batch_size=1000,
    )
    return client, plaintext, cameras


def _events(count: int, prefix: str, rng: random.Random) -> list[dict]:
    from django.utils import timezone

    start = timezone.now() - timedelta(days=20)
    codes = ["red_light", "sign", "speed", "seatbelt"]
    events = []
    for n in range(count):
        code = codes[n % 4]
        item = {
            "event_id": f"{prefix}-{n}",
            "captured_at": (start + timedelta(seconds=n * 15)).isoformat(),
            "plate": f"B {rng.randint(1, 9999)} FA",
            "confidence": rng.randint(70, 99),
            "violation": code,
            "lane": 1 + n % 3,
            "vehicle_class": "car",
        }
        if code == "speed":
            item["speed_kmh"] = 61 + n % 40
        events.append(item)
    return events


def _service_rate(camera, client, events) -> float:
    from bersih.etle import services

    started = time.perf_counter()
    for first in range(0, len(events), BATCH):
        results = services.captures_ingest(actor=client, camera=camera, items=events[first : first + BATCH])
        assert all(r.ok for r in results), [r.reason for r in results if not r.ok][:3]
    return len(events) / (time.perf_counter() - started)


def _raw_rate(events) -> float:
    """The limit: the same rows as tuples into a same-shape table, executemany, a commit per batch."""
    from bersih.etle.models import Capture

    columns = [f.column for f in Capture._meta.concrete_fields if f.column != "id"]
    rows = [
        (
            1,
            e["event_id"],
            e["captured_at"],
            e["captured_at"],
            "api",
            e["plate"],
            e["plate"],
            e["confidence"],
            e["violation"],
            e.get("speed_kmh"),
            60 if "speed_kmh" in e else None,
            e["lane"],
            "car",
            "",
            False,
            "[]",
            "0" * 64,
            1,
        )
        for e in events
    ]
    assert len(rows[0]) == len(columns), columns
    with tempfile.TemporaryDirectory() as folder:
        db = sqlite3.connect(Path(folder) / "raw.sqlite3", isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        shape = ", ".join(columns)
        db.execute(f"CREATE TABLE capture (id INTEGER PRIMARY KEY, {shape}, UNIQUE (camera_id, event_id))")
        sql = f"INSERT INTO capture ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        started = time.perf_counter()
        for first in range(0, len(rows), BATCH):
            db.execute("BEGIN IMMEDIATE")
            db.executemany(sql, rows[first : first + BATCH])
            db.execute("COMMIT")
        elapsed = time.perf_counter() - started
        db.close()
    return len(rows) / elapsed


def _write_floor(camera) -> float | None:
    """Events/s if the service's Python work cost nothing: the limit of the ingestion target (SQLite).

    The violation and capture rows the service stored for ``camera`` are read back and inserted again,
    with ``executemany`` and one commit per 1,000 events, into a copy of the real tables (their
    indexes, CHECK constraints and deferred foreign keys; the connection's pragmas). Ids are given,
    so that the captures' foreign keys hold without reading ids back.
    """
    import re

    from django.db import connection

    from bersih.etle.models import Capture, Violation

    if connection.vendor != "sqlite":
        return None
    connection.ensure_connection()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "floor.sqlite3"
        copy = sqlite3.connect(path)
        connection.connection.backup(copy)
        copy.close()
        db = sqlite3.connect(path, isolation_level=None)
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON", "cache_size=-65536"):
            db.execute(f"PRAGMA {pragma}")
        db.create_function(  # as Django registers it (the driver NIK's CHECK constraint names it)
            "REGEXP",
            2,
            lambda pattern, value: None if value is None else bool(re.search(pattern, str(value))),
        )
        tables = {}
        for model in (Violation, Capture):
            table = model._meta.db_table
            columns = [row[1] for row in db.execute(f"PRAGMA table_info({table})")]
            rows = db.execute(
                f"SELECT {', '.join(columns)} FROM {table} WHERE camera_id = ? ORDER BY id",
                [camera.pk],
            ).fetchall()
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
            tables[model] = (columns, rows, sql)
        db.execute(f"DELETE FROM {Capture._meta.db_table} WHERE camera_id = ?", [camera.pk])
        db.execute(f"DELETE FROM {Violation._meta.db_table} WHERE camera_id = ?", [camera.pk])
        db.execute("VACUUM")
        _columns, violations, violation_sql = tables[Violation]
        capture_columns, captures, capture_sql = tables[Capture]
        violation_at = capture_columns.index("violation_id")
        started = time.perf_counter()
        done = 0
        for first in range(0, len(captures), BATCH):
            chunk = captures[first : first + BATCH]
            last_case = max(row[violation_at] for row in chunk)
            upto = done
            while upto < len(violations) and violations[upto][0] <= last_case:
                upto += 1
            db.execute("BEGIN IMMEDIATE")
            db.executemany(violation_sql, violations[done:upto])
            db.executemany(capture_sql, chunk)
            db.execute("COMMIT")
            done = upto
        elapsed = time.perf_counter() - started
        db.close()
    return len(captures) / elapsed


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _http_rate(camera, plaintext, events) -> float:
    import httpx

    port = _free_port()
    root = Path(__file__).resolve().parent.parent
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="bench.settings", PYTHONPATH=str(root))
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bersih",
            "serve",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--no-access-log",
        ],
        env=env,
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(
            base_url=base, timeout=120, headers={"Authorization": f"Bearer {plaintext}"}
        ) as http:
            for _ in range(200):
                try:
                    if http.get("/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            else:
                raise RuntimeError("the server did not start")
            started = time.perf_counter()
            for first in range(0, len(events), BATCH):
                answer = http.post(
                    "/api/v1/etle/events",
                    json={"camera": camera.code, "events": events[first : first + BATCH]},
                )
                assert answer.status_code == 200, answer.text[:300]
                assert answer.json()["rejected"] == 0, answer.text[:300]
            return len(events) / (time.perf_counter() - started)
    finally:
        server.terminate()
        server.wait(timeout=30)


def run() -> bool:
    from django.core.management import call_command
    from django.db import connection

    fresh_database()
    call_command("createcachetable", verbosity=0)
    print(f"   database: {connection.vendor}, {EVENTS:,} events in batches of {BATCH:,}")
    rng = random.Random(2026)
    client, plaintext, cameras = _setup()
    events = _events(EVENTS, "svc", rng)
    bare = _raw_rate(events)
    value = _service_rate(cameras[0], client, events)
    from bersih.etle.models import Capture, Violation

    print(
        f"   ({Capture.objects.count():,} captures, {Violation.objects.count():,} violations after merging)"
    )
    # The limit the issue names: a raw executemany of the same rows (the violation and capture rows the
    # service wrote) into tables of the same shape (their indexes and constraints), in this run.
    floor = _write_floor(cameras[0])
    ok = True
    if floor is not None:
        ok = figure(
            "service bulk path",
            value,
            "events/s",
            limit=floor,
            target_ratio=0.25,
            target_value=5000,
            note="limit = raw executemany of the same violation and capture rows into same-shape tables",
        )
    figure(
        "service bulk path vs one bare table",
        value,
        "events/s",
        limit=bare,
        note="for comparison: the capture rows alone into a table with one unique index",
    )
    http_events = _events(HTTP_EVENTS, "http", rng)
    connection.close()  # the server's workers write to the same database
    figure(
        "HTTP batch endpoint (bersih serve, 2 workers)",
        _http_rate(cameras[1], plaintext, http_events),
        "events/s",
        note=f"{HTTP_EVENTS:,} events, {BATCH:,} per request, one client",
    )
    return ok

"""Sipmas tracking: public lookups per second on /lacak/ over HTTP, with 100,000 cases in the database.

A real server (``bersih serve``, 2 workers) and a database holding ``CASES`` complaint and request
cases with real tracking numbers (check character and all) and real secret digests (HMAC), each with
its submitted step and some with a public note. A client asks ``/lacak/?nomor=…&kode=…`` for random
cases (the link form: nothing goes into a session) and, interleaved in the same rounds, the trivial
``/healthz`` (one ``SELECT 1``); the figure is the ratio of the two rates. A lookup is one indexed
SELECT of the case by its tracking number, one HMAC, one SELECT of its public events and the page.
"""

from __future__ import annotations

import os
import random
import secrets as random_source
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from bench.bench_ledger import fresh_database
from bench.report import figure

CASES = int(os.environ.get("BENCH_TRACKING_CASES", "100000"))
SAMPLE = 400
ROUNDS = 7
REQUESTS = 100
WORKERS = 2
BATCH = 5000


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _load() -> list[tuple[str, str]]:
    """Insert the cases with raw multi-row statements (valid numbers, real digests, a first step each;
    some with a public note); return a sample of (number, secret) to look up."""
    from django.db import connection, transaction
    from django.db.models import Max
    from django.utils import timezone

    from bersih.core.testing import build_test_org
    from bersih.core.tracking import CROCKFORD, composer
    from bersih.services import rules
    from bersih.services.models import Case, CaseEvent
    from bersih.services.services import secret_digest, secret_new

    org = build_test_org()
    now = timezone.now()
    year = timezone.localdate(now).year
    rng = random.Random(2026)
    services = list(rules.CASE_SERVICES)
    units = {"dumas": org.bks_siwas, "skck": org.bks_intelkam, "keramaian": org.bks_intelkam}
    compose = {code: composer(rules.SERVICES[code].prefix, year) for code in services}
    categories, privacies = list(rules.COMPLAINT_CATEGORIES), list(rules.PRIVACY_MODES)
    adapt = connection.ops.adapt_datetimefield_value
    case_columns = (
        "id, tracking_number, service, category, privacy, channel, unit_id, status, status_reason, title, "
        "description, address, details, submitted_at, updated_at, clock, escalation_level, secret_digest, "
        "language"
    )
    event_columns = "case_id, at, kind, status, public, text, actor_label"
    first_id = (Case.objects.aggregate(top=Max("id"))["top"] or 0) + 1
    sample: list[tuple[str, str]] = []
    seen: set[str] = set()
    made = 0
    while made < CASES:
        cases, events = [], []
        while len(cases) < min(BATCH, CASES - made):
            service = services[len(cases) % len(services)]
            number = compose[service]("".join(random_source.choice(CROCKFORD) for _ in range(10)))
            if number is None or number in seen:
                continue
            seen.add(number)
            secret = secret_new()
            pk = first_id + made + len(cases)
            at = now - timedelta(minutes=rng.randrange(60 * 24 * 180))
            complaint = service == rules.COMPLAINT.code
            status = rules.SERVICES[service].first_step
            cases.append(
                (
                    pk,
                    number,
                    service,
                    rng.choice(categories) if complaint else "",
                    rng.choice(privacies) if complaint else "named",
                    "web",
                    units.get(service, org.bks_spkt).pk,
                    status,
                    "",
                    f"Kasus {pk}",
                    "Uraian",
                    "",
                    "{}",
                    adapt(at),
                    adapt(at),
                    "",
                    0,
                    secret_digest(secret),
                    "id",
                )
            )
            events.append((pk, adapt(at), CaseEvent.SUBMITTED, status, True, "", "citizen"))
            if pk % 3 == 0:
                events.append(
                    (pk, adapt(at + timedelta(hours=2)), CaseEvent.NOTE, "", True, "Sedang kami periksa.", "")
                )
            if len(sample) < SAMPLE and rng.random() < SAMPLE * 2 / CASES:
                sample.append((number, secret))
        with transaction.atomic(), connection.cursor() as cursor:
            marks = ", ".join(["%s"] * len(cases[0]))
            cursor.executemany(f"INSERT INTO services_case ({case_columns}) VALUES ({marks})", cases)
            marks = ", ".join(["%s"] * len(events[0]))
            cursor.executemany(f"INSERT INTO services_caseevent ({event_columns}) VALUES ({marks})", events)
        made += len(cases)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('services_case', 'id'), MAX(id)) FROM services_case"
            )
            cursor.execute("ANALYZE services_case")
            cursor.execute("ANALYZE services_caseevent")
    return sample


def _best_rates(base: str, paths: list[list[str]]) -> list[float]:
    """Best-of-rounds requests per second for each list of paths, interleaved round by round."""
    import httpx

    best = [0.0] * len(paths)
    with httpx.Client(base_url=base, timeout=30) as http:
        for urls in paths:
            for url in urls[:5]:
                assert http.get(url).status_code == 200, url  # warm up
        for _round in range(ROUNDS):
            for i, urls in enumerate(paths):
                started = time.perf_counter()
                for n in range(REQUESTS):
                    response = http.get(urls[n % len(urls)])
                    assert response.status_code == 200, (urls[n % len(urls)], response.status_code)
                best[i] = max(best[i], REQUESTS / (time.perf_counter() - started))
    return best


def run() -> bool:
    import httpx
    from django.db import connection

    fresh_database()
    started = time.perf_counter()
    sample = _load()
    loaded = time.perf_counter() - started
    print(
        f"   database: {connection.vendor}, {CASES:,} cases loaded in {loaded:.1f} s; {len(sample)} looked up"
    )
    connection.close()

    port = _free_port()
    root = Path(__file__).resolve().parent.parent
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="bench.settings", PYTHONPATH=str(root))
    server = subprocess.Popen(
        [
            *(sys.executable, "-m", "bersih", "serve"),
            *("--bind", f"127.0.0.1:{port}", "--workers", str(WORKERS), "--no-access-log"),
        ],
        env=env,
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(base + "/healthz", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            raise RuntimeError("the server did not start")
        from urllib.parse import urlencode

        lookups = [f"/lacak/?{urlencode({'nomor': number, 'kode': secret})}" for number, secret in sample]
        limit, value = _best_rates(base, [["/healthz"], lookups])
    finally:
        server.terminate()
        server.wait(timeout=30)
    return figure(
        f"GET /lacak/ with number and secret, {CASES:,} cases",
        value,
        "req/s",
        limit=limit,
        target_ratio=0.5,
        note="limit: GET /healthz on the same server (one SELECT 1)",
    )

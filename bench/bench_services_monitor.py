"""Leadership monitoring page: render time and queries with 1,000 and with 100,000 Sipmas cases.

The page (``/layanan/pimpinan/``) is requested through Django's test client by the Kapolres, signed in,
for a period that holds every case: the median of ``REQUESTS`` renders is the figure. Its limit,
measured in the same run on the same data, is the bare SQL of one of the page's aggregates (cases per
service in the period, straight through the cursor): what the database alone needs for one figure, so
the ratio says how many such aggregates the whole page costs. The number of queries is counted at both
sizes: it must be the same (every figure is a GROUP BY, no query per row), which is the proof that the
page is bounded whatever the data.
"""

from __future__ import annotations

import os
import statistics
import time
from datetime import timedelta

from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench.bench_ledger import fresh_database, sqlite_settings
from bench.report import figure

SMALL = 1_000
LARGE = int(os.environ.get("BENCH_MONITOR_CASES", "100000"))
REQUESTS = int(os.environ.get("BENCH_MONITOR_REQUESTS", "7"))
DAYS = 360  # the cases spread over this many days before now; the page's period covers them all


def _prepare():
    from bersih.core.testing import build_test_org, make_user, sign_in
    from bersih.etle.testing import machine, make_camera
    from bersih.services.testing import sipmas_staff

    org = build_test_org()
    staff = sipmas_staff(org, make_user, prefix="bench-")
    camera = make_camera(org.bks_satlantas, machine(org.bks_satlantas, "bench-cam").client)
    client = Client()
    sign_in(client, staff.kapolres)
    return org, camera, client


def _grow(org, camera, total: int, already: int, now) -> None:
    """Cases up to ``total``, with a SIM visit and an ETLE violation for every tenth case."""
    from bersih.services.monitoring_testing import bulk_cases, bulk_tickets, bulk_violations

    more = total - already
    bulk_cases(org, more, now=now, days=DAYS, seed=total)
    bulk_tickets(org.bks_satpas, more // 10, now=now, days=DAYS, seed=total)
    bulk_violations(org.bks_satlantas, camera, more // 10, now=now, days=DAYS, seed=total)


def _render(client, params) -> tuple[float, int]:
    """Median seconds of ``REQUESTS`` renders of the page, and the queries of one."""
    from django.db import connection

    with CaptureQueriesContext(connection) as captured:
        response = client.get("/layanan/pimpinan/", params)
    assert response.status_code == 200, response.status_code
    queries = len(captured)  # now: the next request's start empties the log the count reads
    times = []
    for _ in range(REQUESTS):
        started = time.perf_counter()
        response = client.get("/layanan/pimpinan/", params)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200
    return statistics.median(times), queries


def _bare_aggregate(low, high) -> float:
    """Median seconds of the per-service count of the period's cases, as bare SQL."""
    from django.db import connection

    times = []
    for _ in range(REQUESTS):
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT service, COUNT(*) FROM services_case WHERE submitted_at >= %s AND submitted_at < %s "
                "GROUP BY service",
                [low, high],
            )
            cursor.fetchall()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def run() -> bool:
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from bersih.services.models import Case
    from bersih.services.monitoring_selectors import day_bounds

    fresh_database()
    if connection.vendor != "sqlite":
        call_command("flush", interactive=False, verbosity=0)
    print(f"   database: {connection.vendor}{sqlite_settings()}")
    now = timezone.now()
    end = timezone.localdate()
    start = end - timedelta(days=365)
    params = {"start": start.isoformat(), "end": end.isoformat()}
    low, high = day_bounds(start, end)
    org, camera, client = _prepare()
    results = {}
    already = 0
    ok = True
    for size in (SMALL, LARGE):
        built = time.perf_counter()
        _grow(org, camera, size, already, now)
        already = size
        print(f"   {Case.objects.count():,} cases built in {time.perf_counter() - built:.1f} s")
        seconds, queries = _render(client, params)
        bare = _bare_aggregate(low, high)
        results[size] = queries
        ok &= figure(
            f"monitoring page, {size:,} cases",
            1 / seconds,
            "pages/s",
            limit=1 / bare,
            note=(
                f"median {seconds * 1000:,.0f} ms over {REQUESTS} renders, {queries} queries; "
                f"limit = the bare per-service GROUP BY ({bare * 1000:,.1f} ms)"
            ),
        )
    bounded = results[SMALL] == results[LARGE]
    print(
        f"   queries: {results[SMALL]} at {SMALL:,} cases, {results[LARGE]} at {LARGE:,} cases · "
        + ("the same: bounded OK" if bounded else "DIFFERENT: NOT BOUNDED")
    )
    return ok and bounded

"""SIM display board: from a call's commit to its event on a board, through a real server's stream.

The time from a call's commit to its event reaching a board connected to the live stream of a real
server (``bersih serve``, 2 workers).

A Satpas with a line of applicants; a board client holds the server-sent event stream open while
this process calls the next applicant through the service ``CALLS`` times, at random moments, so the
calls fall anywhere in the stream's poll cycle. The figure is the median (and the 95th percentile) of
the time from the call's commit to the arrival of its event at the client. Its limit, measured in the
same run against the same server, is the round trip of a trivial request (``/healthz``): what any
update would cost at the least. The stream reads the database every ``STREAM_POLL_SECONDS``, so the
expected median is about half that interval plus one round trip; that expectation is printed too.
"""

from __future__ import annotations

import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

from bench.bench_ledger import fresh_database
from bench.report import figure

CALLS = int(os.environ.get("BENCH_BOARD_CALLS", "50"))
WORKERS = 2


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _setup():
    from bersih.core.models import Unit
    from bersih.core.testing import make_user
    from bersih.ledger.services import SYSTEM
    from bersih.licensing import services
    from bersih.licensing.testing import nik_for, satpas

    tag = time.time_ns()  # a server database keeps earlier runs' rows: this run's names are its own
    unit = Unit.objects.create(code=f"bench-satpas-{tag}", name="Satpas Bench", kind="satpas")
    sim = satpas(unit, make_user, prefix=f"bench-{tag}")
    birth = date(1990, 1, 1 + (tag // 1000) % 28)
    first = (tag // 10**6) % (9999 - CALLS)
    for n in range(first, first + CALLS + 1):
        application = services.application_register(
            actor=SYSTEM,
            unit=unit,
            nik=nik_for(n, birth=birth),
            full_name=f"Pemohon {n}",
            birth_date=birth,
            service="new",
            sim_class="C",
        )
        services.ticket_issue(actor=SYSTEM, application=application)
    return sim


class BoardClient(threading.Thread):
    """Reads the stream and notes when each event id arrives (a complete event: its blank line)."""

    def __init__(self, url: str):
        super().__init__(daemon=True)
        self.url = url
        self.arrived: dict[int, float] = {}
        self.connected = threading.Event()
        self.stop = False
        self.error: Exception | None = None

    def run(self) -> None:
        import httpx

        try:
            with (
                httpx.Client(timeout=httpx.Timeout(10, read=None)) as http,
                http.stream("GET", self.url, headers={"Accept": "text/event-stream"}) as answer,
            ):
                answer.raise_for_status()
                event_id = None
                for line in answer.iter_lines():
                    self.connected.set()
                    if self.stop:
                        return
                    if line.startswith("id: "):
                        event_id = int(line[4:])
                    elif line == "" and event_id is not None:
                        self.arrived[event_id] = time.perf_counter()
                        event_id = None
        except Exception as exc:  # reported by the main thread
            self.error = exc
            self.connected.set()


def _round_trip(base: str, count: int = 50) -> list[float]:
    import httpx

    times = []
    with httpx.Client(base_url=base, timeout=30) as http:
        for _ in range(count):
            started = time.perf_counter()
            assert http.get("/healthz").status_code == 200
            times.append(time.perf_counter() - started)
    return times


def _latencies(sim, client: BoardClient) -> list[float]:
    from bersih.licensing import services
    from bersih.licensing.models import BoardEvent

    rng = random.Random(2026)
    clerk, counter = sim.clerks["registration"], sim.counters["registration"]
    latencies = []
    for _ in range(CALLS):
        time.sleep(rng.uniform(0.05, 0.6))  # anywhere in the stream's poll cycle
        entry = services.line_call_next(actor=clerk, counter=counter)
        committed = time.perf_counter()
        event_id = BoardEvent.objects.filter(unit=sim.unit, kind="call").latest("id").pk
        deadline = committed + 10
        while event_id not in client.arrived:
            if time.perf_counter() > deadline or client.error:
                raise RuntimeError(f"event {event_id} did not reach the board: {client.error}")
            time.sleep(0.001)
        latencies.append(client.arrived[event_id] - committed)
        services.line_finish(actor=clerk, entry=entry)
    return latencies


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def run() -> bool:
    import httpx
    from django.db import connection

    from bersih.licensing import board_views as views
    from bersih.licensing import selectors

    fresh_database()
    sim = _setup()
    last = selectors.board_last_event_id(sim.unit.pk)
    print(
        f"   database: {connection.vendor}, {CALLS} calls, stream polls every {views.STREAM_POLL_SECONDS} s"
    )
    connection.close()  # the server's workers use the same database

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
            str(WORKERS),
            "--no-access-log",
        ],
        env=env,
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if httpx.get(base + "/healthz", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            raise RuntimeError("the server did not start")
        client = BoardClient(f"{base}/sim/papan/{sim.unit.code}/stream?last={last}")
        client.start()
        if not client.connected.wait(15) or client.error:
            raise RuntimeError(f"the board did not connect: {client.error}")
        latencies = _latencies(sim, client)
        client.stop = True
        trivial = _round_trip(base)
    finally:
        server.terminate()
        server.wait(timeout=30)

    median, p95 = statistics.median(latencies) * 1000, _p95(latencies) * 1000
    trivial_ms = statistics.median(trivial) * 1000
    expected = views.STREAM_POLL_SECONDS / 2 * 1000 + trivial_ms
    figure(
        "call to board, median",
        median,
        "ms",
        limit=trivial_ms,
        note=f"limit = median round trip of GET /healthz on the same server; p95 {p95:,.1f} ms",
    )
    figure(
        "call to board, median vs the poll's expectation",
        median,
        "ms",
        limit=expected,
        note="limit = half the stream's poll interval plus one round trip",
    )
    print("   " + json.dumps({"median_ms": round(median, 1), "p95_ms": round(p95, 1), "calls": CALLS}))
    # No target is asserted: a shared machine's times are noise; the ratios are the figure.
    return True

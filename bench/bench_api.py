"""API authentication: requests per second of a key-authenticated API call against a trivial view."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.management import call_command
from django.test import Client

from bench.report import figure

ROUNDS = 7
REQUESTS = 50


def _best_rates(client: Client, paths: list[tuple[str, dict]]) -> list[float]:
    """Best-of-rounds requests per second for each path, the paths interleaved so that a busy moment
    on a shared machine slows all of them alike."""
    best = [0.0] * len(paths)
    for path, headers in paths:
        assert client.get(path, **headers).status_code == 200  # warm up
    for _round in range(ROUNDS):
        for i, (path, headers) in enumerate(paths):
            started = time.perf_counter()
            for _ in range(REQUESTS):
                response = client.get(path, **headers)
                assert response.status_code == 200, response.content
            best[i] = max(best[i], REQUESTS / (time.perf_counter() - started))
    return best


def run() -> bool:
    from bersih.core import apikeys
    from bersih.core.models import Unit
    from bersih.ledger.services import SYSTEM

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    unit, _ = Unit.objects.get_or_create(code="bench-polres", defaults={"name": "Bench", "kind": "polres"})
    machine = apikeys.apiclient_create(
        actor=SYSTEM,
        name=f"bench-{time.time_ns()}",
        owner_unit=unit,
        scopes=["core:read"],
        rate_limit_per_minute=1_000_000,
    )
    _key, plaintext = apikeys.apikey_issue(actor=SYSTEM, client=machine)
    client = Client()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {plaintext}"}
    limit, value = _best_rates(client, [("/healthz", {}), ("/api/v1/core/me", auth)])
    # Verifying the key is one indexed SELECT and the rate limit one cache round trip (a few statements
    # on the database cache, one on Redis); with ninja's parsing and rendering, an authenticated call
    # should cost no more than ten trivial requests.
    cache = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    return figure(
        "GET /api/v1/core/me with an API key",
        value,
        "req/s",
        limit=limit,
        target_ratio=0.1,
        note=f"limit: GET /healthz (one SELECT 1); cache: {cache}",
    )

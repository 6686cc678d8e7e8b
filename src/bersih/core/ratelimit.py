"""Rate limits that hold across processes (the cache is the database or Redis, never process memory).

A fixed window per key: ``hit("lookup:ip:1.2.3.4", limit=10, window=60)`` counts one attempt and says
whether it is allowed. Public endpoints, API clients and secret/tracking-number guesses all use this.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache


@dataclass(frozen=True)
class RateResult:
    allowed: bool
    limit: int
    remaining: int
    retry_after: int  # seconds until the window resets


def _window_key(key: str, window: int, now: float) -> tuple[str, int]:
    start = int(now // window) * window
    return f"rl:{key}:{start}", start + window


def hit(key: str, *, limit: int, window: int = 60, cost: int = 1) -> RateResult:
    """Count ``cost`` attempts on ``key``; say whether they fit in ``limit`` per ``window`` seconds."""
    now = time.time()
    cache_key, resets_at = _window_key(key, window, now)
    retry_after = max(1, int(resets_at - now))
    if not settings.RATE_LIMITS_ENABLED:
        return RateResult(True, limit, limit, retry_after)
    if cache.add(cache_key, cost, timeout=window + 1):
        count = cost
    else:
        try:
            count = cache.incr(cache_key, cost)
        except ValueError:  # expired between add and incr
            cache.set(cache_key, cost, timeout=window + 1)
            count = cost
    return RateResult(count <= limit, limit, max(0, limit - count), retry_after)


def peek(key: str, *, limit: int, window: int = 60) -> RateResult:
    """The current state of ``key`` without counting an attempt."""
    now = time.time()
    cache_key, resets_at = _window_key(key, window, now)
    count = cache.get(cache_key, 0)
    return RateResult(count < limit, limit, max(0, limit - count), max(1, int(resets_at - now)))


def client_ip(request) -> str:
    """The caller's address; behind a proxy, the right-most untrusted X-Forwarded-For hop."""
    hops = settings.PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if hops and forwarded:
        addresses = [a.strip() for a in forwarded.split(",") if a.strip()]
        if len(addresses) >= hops:
            return addresses[-hops]
    return request.META.get("REMOTE_ADDR", "") or "unknown"

"""What the HTTP adapters share: one POST with a timeout, and the mapping of failures to retry or not."""

from __future__ import annotations

import httpx

from .. import rules as policy
from . import PermanentFailure, TemporaryFailure


def post_json(url: str, *, json: dict, headers: dict) -> dict:
    """POST ``json`` and answer the reply's JSON object, raising Temporary/PermanentFailure."""
    try:
        response = httpx.post(url, json=json, headers=headers, timeout=policy.PROVIDER_TIMEOUT_SECONDS)
    except httpx.TimeoutException as exc:
        raise TemporaryFailure(f"timeout: {exc.__class__.__name__}") from exc
    except httpx.HTTPError as exc:
        raise TemporaryFailure(f"connection: {exc.__class__.__name__}: {exc}") from exc
    status = response.status_code
    if status >= 500 or status in policy.RETRYABLE_HTTP_STATUSES:
        raise TemporaryFailure(f"HTTP {status}: {response.text[:300]}")
    if status >= 400:
        raise PermanentFailure(f"HTTP {status}: {response.text[:300]}")
    try:
        reply = response.json()
    except ValueError as exc:
        # The provider may have accepted the message; retrying with the same idempotency key is safe,
        # and where the provider has no key the duplicate is the price of never losing a message.
        raise TemporaryFailure(f"malformed reply (HTTP {status}): {response.text[:300]}") from exc
    if not isinstance(reply, dict):
        raise TemporaryFailure(f"malformed reply (HTTP {status}): not a JSON object")
    return reply

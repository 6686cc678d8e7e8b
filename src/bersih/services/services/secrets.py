"""The citizen's second factor: a secret shown once (and sent to their own contact), kept only as an
HMAC, so that a copy of the database does not open anyone's case."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets as random_source

from django.conf import settings

from bersih.core.tracking import ALIASES, CROCKFORD

from .. import rules


def secret_new() -> str:
    """Ten Crockford characters (50 bits) in two groups, e.g. ``K7Q2M-9XD4B``."""
    raw = "".join(random_source.choice(CROCKFORD) for _ in range(rules.SECRET_LENGTH))
    half = rules.SECRET_LENGTH // 2
    return f"{raw[:half]}-{raw[half:]}"


def secret_normalise(value: str) -> str:
    """As people type it: any case, spaces or dashes, O for 0, I or L for 1."""
    return re.sub(r"[\s\-_.]+", "", str(value or "")).upper().translate(ALIASES)


def secret_digest(secret: str) -> str:
    key = hashlib.sha256(b"bersih.services.case-secret:" + settings.SECRET_KEY.encode()).digest()
    return hmac.new(key, secret_normalise(secret).encode(), hashlib.sha256).hexdigest()


def secret_matches(digest: str, given: str) -> bool:
    if not given or not digest:
        return False
    return hmac.compare_digest(digest, secret_digest(given))


def token_new() -> tuple[str, str]:
    """A single-use link token and its digest (only the digest is stored)."""
    token = random_source.token_urlsafe(24)
    return token, token_digest(token)


def token_digest(token: str) -> str:
    return hashlib.sha256(str(token).encode()).hexdigest()

"""API clients and their keys: issuing, rotating, revoking (services), listing (selectors), verifying.

A key is shown once, when it is issued, as ``bsk_<prefix>_<secret>``. The ``prefix`` (10 Crockford
base-32 characters) finds the row; only the SHA-256 of the ``secret`` is stored, and it is compared in
constant time. Rotation issues a new key and lets the old one live for a grace period, so a client can
switch over without downtime.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from bersih.ledger.services import record

from . import rules as policy
from .models import Agency, ApiClient, ApiKey, Unit
from .querysets import unit_scope_q

KEY_SCHEME = "bsk"
PREFIX_LENGTH = 10
SECRET_BYTES = 32
CROCKFORD_LOWER = "0123456789abcdefghjkmnpqrstvwxyz"
# last_used_at is written at most this often per key, so a busy client does not write on every call.
LAST_USED_RESOLUTION = timedelta(minutes=1)


# --- Key material -----------------------------------------------------------------------------------


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_prefix() -> str:
    return "".join(secrets.choice(CROCKFORD_LOWER) for _ in range(PREFIX_LENGTH))


def format_key(prefix: str, secret: str) -> str:
    return f"{KEY_SCHEME}_{prefix}_{secret}"


def parse_key(presented: str) -> tuple[str, str] | None:
    """(prefix, secret) of a presented key string, or None if it is not shaped like one of ours."""
    parts = presented.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_SCHEME:
        return None
    prefix, secret = parts[1], parts[2]
    if len(prefix) != PREFIX_LENGTH or any(c not in CROCKFORD_LOWER for c in prefix) or len(secret) < 32:
        return None
    return prefix, secret


# A hash compared against when no row matches, so an unknown prefix costs the same as a wrong secret.
_DUMMY_HASH = hash_secret("no-such-key")


def verify_key(presented: str, *, at: datetime | None = None) -> ApiKey | None:
    """The live key of an active client that ``presented`` is, or None (unknown, wrong, revoked, expired)."""
    parsed = parse_key(presented)
    if parsed is None:
        return None
    prefix, secret = parsed
    try:
        key = ApiKey.objects.select_related("client", "client__owner_unit").get(prefix=prefix)
    except ApiKey.DoesNotExist:
        key = None
    matches = hmac.compare_digest(key.secret_hash if key else _DUMMY_HASH, hash_secret(secret))
    if key is None or not matches:
        return None
    at = at or timezone.now()
    if not key.is_live(at) or not key.client.active:
        return None
    _touch(key, at)
    return key


def _touch(key: ApiKey, at: datetime) -> None:
    """Note the key's use, at most once per ``LAST_USED_RESOLUTION`` (one conditional UPDATE)."""
    if key.last_used_at is not None and at - key.last_used_at < LAST_USED_RESOLUTION:
        return
    ApiKey.objects.filter(pk=key.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=at - LAST_USED_RESOLUTION)
    ).update(last_used_at=at)
    key.last_used_at = at


# --- Services ---------------------------------------------------------------------------------------


def _clean_scopes(scopes) -> list[str]:
    scopes = sorted(set(scopes or []))
    unknown = [s for s in scopes if s not in policy.API_SCOPES]
    if unknown:
        raise ValidationError(
            _("Unknown scopes: %(scopes)s.") % {"scopes": ", ".join(unknown)}, code="unknown_scope"
        )
    return scopes


def apiclient_create(
    *,
    actor,
    name: str,
    owner_unit: Unit,
    scopes,
    rate_limit_per_minute: int = policy.API_DEFAULT_RATE_PER_MINUTE,
    agency: Agency | None = None,
) -> ApiClient:
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("A client needs a name."), code="required")
    if rate_limit_per_minute < 1:
        raise ValidationError(_("The rate limit must be at least one request a minute."), code="min_value")
    clean_scopes = _clean_scopes(scopes)
    with transaction.atomic():
        if ApiClient.objects.filter(name__iexact=name).exists():
            raise ValidationError(_("A client with this name exists already."), code="duplicate")
        client = ApiClient.objects.create(
            name=name,
            owner_unit=owner_unit,
            agency=agency,
            scopes=clean_scopes,
            rate_limit_per_minute=rate_limit_per_minute,
        )
        record(
            actor=actor,
            action="core.apiclient.created",
            subject=client,
            unit=owner_unit,
            data={
                "name": client.name,
                "owner_unit": owner_unit.code,
                "agency": agency.code if agency else None,
                "scopes": clean_scopes,
                "rate_limit_per_minute": rate_limit_per_minute,
            },
        )
    return client


def apiclient_set_active(*, actor, client: ApiClient, active: bool) -> ApiClient:
    """Switch a client off (every key stops working at once) or back on (its live keys work again)."""
    with transaction.atomic():
        locked = ApiClient.objects.select_for_update().select_related("owner_unit").get(pk=client.pk)
        if locked.active == active:
            message = _("The client is active already.") if active else _("The client is inactive already.")
            raise ValidationError(message, code="unchanged")
        locked.active = active
        locked.save(update_fields=["active"])
        record(
            actor=actor,
            action="core.apiclient.reactivated" if active else "core.apiclient.deactivated",
            subject=locked,
            unit=locked.owner_unit,
            data={"name": locked.name},
        )
    client.active = active
    return locked


def _new_key(client: ApiClient, label: str, expires_at: datetime | None) -> tuple[ApiKey, str]:
    secret = secrets.token_urlsafe(SECRET_BYTES)
    while True:  # a prefix collision is astronomically rare; retrying beats a unique-violation error
        prefix = new_prefix()
        if not ApiKey.objects.filter(prefix=prefix).exists():
            break
    key = ApiKey.objects.create(
        client=client, prefix=prefix, secret_hash=hash_secret(secret), label=label, expires_at=expires_at
    )
    return key, format_key(prefix, secret)


def _key_data(key: ApiKey) -> dict:
    """What the ledger keeps about a key: never the secret or its hash."""
    return {
        "client": key.client.name,
        "prefix": key.prefix,
        "label": key.label,
        "expires_at": key.expires_at.isoformat() if key.expires_at else None,
    }


def apikey_issue(
    *, actor, client: ApiClient, label: str = "", expires_at: datetime | None = None
) -> tuple[ApiKey, str]:
    """A new key for ``client``; the plaintext is returned once and never stored."""
    now = timezone.now()
    if expires_at is not None and expires_at <= now:
        raise ValidationError(_("The expiry must lie in the future."), code="expired")
    if not client.active:
        raise ValidationError(_("The client is not active."), code="inactive")
    with transaction.atomic():
        key, plaintext = _new_key(client, label.strip(), expires_at)
        record(
            actor=actor, action="core.apikey.issued", subject=key, unit=client.owner_unit, data=_key_data(key)
        )
    return key, plaintext


def apikey_rotate(
    *, actor, key: ApiKey, grace_hours: int = policy.API_KEY_ROTATION_GRACE_HOURS
) -> tuple[ApiKey, str]:
    """Issue a successor of ``key`` and retire ``key`` after ``grace_hours`` (both work meanwhile)."""
    if grace_hours < 0:
        raise ValidationError(_("The grace period cannot be negative."), code="min_value")
    now = timezone.now()
    with transaction.atomic():
        old = ApiKey.objects.select_for_update().select_related("client__owner_unit").get(pk=key.pk)
        if not old.is_live(now):
            raise ValidationError(_("Only a live key can be rotated."), code="not_live")
        if old.revoked_at is not None:
            raise ValidationError(_("This key has been rotated already."), code="already_rotated")
        if not old.client.active:
            raise ValidationError(_("The client is not active."), code="inactive")
        retire_at = now + timedelta(hours=grace_hours)
        if old.expires_at is not None:
            retire_at = min(retire_at, old.expires_at)
        old.revoked_at = retire_at
        old.save(update_fields=["revoked_at"])
        new, plaintext = _new_key(old.client, old.label, None)
        record(
            actor=actor,
            action="core.apikey.rotated",
            subject=old,
            unit=old.client.owner_unit,
            data={**_key_data(old), "successor": new.prefix, "old_key_retires_at": retire_at.isoformat()},
        )
    key.revoked_at = old.revoked_at
    return new, plaintext


def apikey_revoke(*, actor, key: ApiKey) -> ApiKey:
    """End ``key`` now (also a key that was scheduled to retire after a rotation)."""
    now = timezone.now()
    with transaction.atomic():
        locked = ApiKey.objects.select_for_update().select_related("client__owner_unit").get(pk=key.pk)
        if locked.revoked_at is not None and locked.revoked_at <= now:
            raise ValidationError(_("This key is revoked already."), code="already_revoked")
        locked.revoked_at = now
        locked.save(update_fields=["revoked_at"])
        record(
            actor=actor,
            action="core.apikey.revoked",
            subject=locked,
            unit=locked.client.owner_unit,
            data=_key_data(locked),
        )
    key.revoked_at = locked.revoked_at
    return locked


# --- Selectors --------------------------------------------------------------------------------------


def apiclients_visible_to(user, action: str = "view") -> QuerySet[ApiClient]:
    """Clients whose owner unit lies in ``user``'s scope, if the rules let them ``action`` clients."""
    if not getattr(user, "is_authenticated", False) or not user.has_perm(f"core.{action}_apiclient"):
        return ApiClient.objects.none()
    scope = unit_scope_q(user, "owner_unit")
    if scope is None:
        return ApiClient.objects.none()
    return ApiClient.objects.filter(scope).select_related("owner_unit", "agency")


def apiclients_with_keys(user) -> QuerySet[ApiClient]:
    return apiclients_visible_to(user).prefetch_related(
        Prefetch("keys", queryset=ApiKey.objects.order_by("-created_at"))
    )


def apiclient_list_all() -> QuerySet[ApiClient]:
    """Every client with its keys (for operators at the command line)."""
    return ApiClient.objects.select_related("owner_unit").prefetch_related("keys").order_by("name")

"""Shared builders for the API tests: a machine client with a key, and request headers for it."""

from __future__ import annotations

from types import SimpleNamespace

from bersih.core import apikeys
from bersih.ledger.services import SYSTEM


def make_machine(unit, *, name="Kamera ETLE Tol Bekasi", scopes=("core:read",), rate=100, **key_fields):
    client = apikeys.apiclient_create(
        actor=SYSTEM, name=name, owner_unit=unit, scopes=list(scopes), rate_limit_per_minute=rate
    )
    key, plaintext = apikeys.apikey_issue(actor=SYSTEM, client=client, label="main", **key_fields)
    return SimpleNamespace(client=client, key=key, plaintext=plaintext)


def bearer(plaintext: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {plaintext}"}

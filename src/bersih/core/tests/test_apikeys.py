"""API clients and keys: the services, their ledger entries, verification, and the command."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from bersih.core import apikeys
from bersih.core.models import ApiClient, ApiKey
from bersih.ledger.models import Entry
from bersih.ledger.services import SYSTEM

from .api_fixtures import make_machine

KEY_SHAPE = re.compile(r"^bsk_[0-9a-hjkmnp-tv-z]{10}_[A-Za-z0-9_-]{43}$")


@pytest.mark.django_db
def test_issued_key_is_shown_once_and_only_its_hash_is_kept(org):
    machine = make_machine(org.bks_satlantas)
    assert KEY_SHAPE.match(machine.plaintext)
    prefix, secret = apikeys.parse_key(machine.plaintext)
    stored = ApiKey.objects.get(pk=machine.key.pk)
    assert stored.prefix == prefix
    assert stored.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in stored.secret_hash
    assert apikeys.verify_key(machine.plaintext) == stored


@pytest.mark.django_db
def test_ledger_records_each_step_without_the_secret(org):
    machine = make_machine(org.bks_satlantas)
    new_key, new_plaintext = apikeys.apikey_rotate(actor=SYSTEM, key=machine.key)
    apikeys.apikey_revoke(actor=SYSTEM, key=new_key)
    entries = list(Entry.objects.filter(action__startswith="core.api").order_by("seq"))
    assert [e.action for e in entries] == [
        "core.apiclient.created",
        "core.apikey.issued",
        "core.apikey.rotated",
        "core.apikey.revoked",
    ]
    assert all(e.unit_id == org.bks_satlantas.pk for e in entries)
    assert entries[2].data["successor"] == new_key.prefix
    secrets_ = [machine.plaintext.split("_", 2)[2], new_plaintext.split("_", 2)[2]]
    hashes = [machine.key.secret_hash, new_key.secret_hash]
    for entry in entries:
        text = str(entry.data)
        assert not any(s in text for s in secrets_ + hashes)


@pytest.mark.django_db
def test_unknown_scope_duplicate_name_and_bad_rate_are_refused(org):
    with pytest.raises(ValidationError):
        apikeys.apiclient_create(actor=SYSTEM, name="x", owner_unit=org.bks, scopes=["etle:everything"])
    make_machine(org.bks, name="Bank BRI")
    with pytest.raises(ValidationError):
        apikeys.apiclient_create(actor=SYSTEM, name="bank bri", owner_unit=org.bks, scopes=[])
    with pytest.raises(ValidationError):
        apikeys.apiclient_create(
            actor=SYSTEM, name="y", owner_unit=org.bks, scopes=[], rate_limit_per_minute=0
        )
    assert ApiClient.objects.count() == 1
    assert Entry.objects.filter(action="core.apiclient.created").count() == 1


@pytest.mark.django_db
def test_expiry_in_the_past_is_refused(org):
    machine = make_machine(org.bks)
    with pytest.raises(ValidationError):
        apikeys.apikey_issue(
            actor=SYSTEM, client=machine.client, expires_at=timezone.now() - timedelta(minutes=1)
        )
    assert machine.client.keys.count() == 1


@pytest.mark.django_db
def test_rotation_keeps_both_keys_working_during_the_grace_only(org):
    machine = make_machine(org.bks)
    new_key, new_plaintext = apikeys.apikey_rotate(actor=SYSTEM, key=machine.key, grace_hours=24)
    assert apikeys.verify_key(machine.plaintext) is not None
    assert apikeys.verify_key(new_plaintext) == new_key
    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        assert apikeys.verify_key(machine.plaintext) is None
        assert apikeys.verify_key(new_plaintext) == new_key


@pytest.mark.django_db
def test_a_key_is_rotated_once_and_revoked_once(org):
    machine = make_machine(org.bks)
    apikeys.apikey_rotate(actor=SYSTEM, key=machine.key)
    with pytest.raises(ValidationError):
        apikeys.apikey_rotate(actor=SYSTEM, key=machine.key)
    apikeys.apikey_revoke(actor=SYSTEM, key=machine.key)  # a retiring key can still be ended now
    with pytest.raises(ValidationError):
        apikeys.apikey_revoke(actor=SYSTEM, key=machine.key)
    assert apikeys.verify_key(machine.plaintext) is None
    assert Entry.objects.filter(action="core.apikey.revoked").count() == 1
    assert machine.client.keys.count() == 2


@pytest.mark.django_db
def test_verification_refuses_lookalikes_and_ended_keys(org):
    machine = make_machine(org.bks, expires_at=timezone.now() + timedelta(days=1))
    prefix, secret = apikeys.parse_key(machine.plaintext)
    wrong_secret = apikeys.format_key(prefix, secret[::-1])
    unknown_prefix = apikeys.format_key("0000000000", secret)
    for presented in ("", "bsk_", f"bsk_{prefix}", wrong_secret, unknown_prefix, machine.plaintext.upper()):
        assert apikeys.verify_key(presented) is None, presented
    with time_machine.travel(timezone.now() + timedelta(days=2)):
        assert apikeys.verify_key(machine.plaintext) is None
    ApiClient.objects.filter(pk=machine.client.pk).update(active=False)
    assert apikeys.verify_key(machine.plaintext) is None


@pytest.mark.django_db
def test_last_used_is_written_at_most_once_a_minute(org, django_assert_num_queries):
    machine = make_machine(org.bks)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        with django_assert_num_queries(2):  # the lookup and the first UPDATE
            apikeys.verify_key(machine.plaintext)
        first = ApiKey.objects.get(pk=machine.key.pk).last_used_at
        assert first == start
    with time_machine.travel(start + timedelta(seconds=30), tick=False), django_assert_num_queries(1):
        apikeys.verify_key(machine.plaintext)  # the lookup only
    assert ApiKey.objects.get(pk=machine.key.pk).last_used_at == first
    with time_machine.travel(start + timedelta(seconds=90), tick=False):
        apikeys.verify_key(machine.plaintext)
    assert ApiKey.objects.get(pk=machine.key.pk).last_used_at == start + timedelta(seconds=90)


@pytest.mark.django_db
def test_command_creates_issues_rotates_revokes_and_lists(org, capsys):
    call_command(
        "apiclient", "create", "Bank Jabar", "--unit", "bks", "--scope", "etle:payments", "--rate", "30"
    )
    client = ApiClient.objects.get(name="Bank Jabar")
    assert client.scopes == ["etle:payments"] and client.rate_limit_per_minute == 30
    call_command("apiclient", "issue", "Bank Jabar", "--label", "prod", "--expires-in-days", "90")
    plaintext = capsys.readouterr().out.strip().splitlines()[-1]
    key = apikeys.verify_key(plaintext)
    assert key is not None and key.label == "prod"
    call_command("apiclient", "rotate", key.prefix, "--grace-hours", "0")
    successor = capsys.readouterr().out.strip().splitlines()[-1]
    assert apikeys.verify_key(plaintext) is None
    new_key = apikeys.verify_key(successor)
    assert new_key is not None
    call_command("apiclient", "list")
    listing = capsys.readouterr().out
    assert "Bank Jabar" in listing and new_key.prefix in listing and successor not in listing
    call_command("apiclient", "deactivate", "Bank Jabar")
    assert apikeys.verify_key(successor) is None
    call_command("apiclient", "activate", "Bank Jabar")
    assert apikeys.verify_key(successor) is not None
    call_command("apiclient", "revoke", new_key.prefix)
    assert apikeys.verify_key(successor) is None
    entry = Entry.objects.filter(action="core.apikey.revoked").get()
    assert entry.actor_kind == "system"


@pytest.mark.django_db
def test_command_refuses_unknown_names_and_scopes(org):
    with pytest.raises(CommandError):
        call_command("apiclient", "create", "X", "--unit", "nowhere")
    with pytest.raises(CommandError):
        call_command("apiclient", "create", "X", "--unit", "bks", "--scope", "all")
    with pytest.raises(CommandError):
        call_command("apiclient", "revoke", "0000000000")
    assert not ApiClient.objects.exists()


@given(text=st.text(max_size=120))
def test_parse_key_never_raises_and_accepts_only_our_shape(text):
    parsed = apikeys.parse_key(text)
    if parsed is not None:
        prefix, secret = parsed
        assert len(prefix) == apikeys.PREFIX_LENGTH and len(secret) >= 32
        assert text.strip() == apikeys.format_key(prefix, secret)


@given(
    secret=st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", min_size=32)
)
def test_format_and_parse_are_inverse(secret):
    prefix = apikeys.new_prefix()
    assert apikeys.parse_key(apikeys.format_key(prefix, secret)) == (prefix, secret)

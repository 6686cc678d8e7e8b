"""``bersih apiclient create|issue|rotate|revoke|deactivate|activate|list``: machine clients at the shell.

Every change goes through the services in ``core.apikeys`` and is recorded in the ledger by the system
actor. A key's plaintext is printed once, by ``issue`` and ``rotate``.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from bersih.core import apikeys
from bersih.core import rules as policy
from bersih.core.models import Agency, ApiClient, ApiKey, Unit
from bersih.ledger.services import SYSTEM


class Command(BaseCommand):
    help = "Create API clients and issue, rotate, revoke and list their keys."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a client")
        create.add_argument("name")
        create.add_argument("--unit", required=True, help="code of the owner unit")
        create.add_argument(
            "--scope", action="append", default=[], help=f"repeatable; one of {', '.join(policy.API_SCOPES)}"
        )
        create.add_argument("--rate", type=int, default=policy.API_DEFAULT_RATE_PER_MINUTE)
        create.add_argument("--agency", help="code of the partner agency the client belongs to")
        issue = sub.add_parser("issue", help="issue a key to a client (printed once)")
        issue.add_argument("name")
        issue.add_argument("--label", default="")
        issue.add_argument("--expires-in-days", type=int)
        rotate = sub.add_parser("rotate", help="replace a key; the old one works during the grace period")
        rotate.add_argument("prefix")
        rotate.add_argument("--grace-hours", type=int, default=policy.API_KEY_ROTATION_GRACE_HOURS)
        revoke = sub.add_parser("revoke", help="end a key now")
        revoke.add_argument("prefix")
        for verb, text in (
            ("deactivate", "switch a client off: every key stops working"),
            ("activate", "switch it on"),
        ):
            sub.add_parser(verb, help=text).add_argument("name")
        sub.add_parser("list", help="list clients and their keys")

    def handle(self, *args, action: str, **options):
        try:
            getattr(self, f"do_{action}")(**options)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error

    def do_create(self, *, name, unit, scope, rate, agency, **_):
        owner = _get(Unit, code=unit)
        partner = _get(Agency, code=agency) if agency else None
        client = apikeys.apiclient_create(
            actor=SYSTEM,
            name=name,
            owner_unit=owner,
            scopes=scope,
            rate_limit_per_minute=rate,
            agency=partner,
        )
        scopes = ", ".join(client.scopes)
        self.stdout.write(f"created client {client.name} (unit {owner.code}, scopes {scopes})")

    def do_issue(self, *, name, label, expires_in_days, **_):
        client = _get(ApiClient, name=name)
        expires_at = timezone.now() + timedelta(days=expires_in_days) if expires_in_days else None
        key, plaintext = apikeys.apikey_issue(actor=SYSTEM, client=client, label=label, expires_at=expires_at)
        self.stdout.write(f"issued key {key.prefix} to {client.name}; it is shown only now:")
        self.stdout.write(plaintext)

    def do_rotate(self, *, prefix, grace_hours, **_):
        old = _get(ApiKey, prefix=prefix)
        new, plaintext = apikeys.apikey_rotate(actor=SYSTEM, key=old, grace_hours=grace_hours)
        self.stdout.write(
            f"rotated {old.prefix} -> {new.prefix}; {old.prefix} retires at {old.revoked_at.isoformat()}. "
            "The new key is shown only now:"
        )
        self.stdout.write(plaintext)

    def do_revoke(self, *, prefix, **_):
        key = apikeys.apikey_revoke(actor=SYSTEM, key=_get(ApiKey, prefix=prefix))
        self.stdout.write(f"revoked {key.prefix}")

    def do_deactivate(self, *, name, **_):
        apikeys.apiclient_set_active(actor=SYSTEM, client=_get(ApiClient, name=name), active=False)
        self.stdout.write(f"{name} is switched off")

    def do_activate(self, *, name, **_):
        apikeys.apiclient_set_active(actor=SYSTEM, client=_get(ApiClient, name=name), active=True)
        self.stdout.write(f"{name} is switched on")

    def do_list(self, **_):
        now = timezone.now()
        for client in apikeys.apiclient_list_all():
            state = "active" if client.active else "inactive"
            self.stdout.write(
                f"{client.name}\t{client.owner_unit.code}\t{state}\t{client.rate_limit_per_minute}/min\t"
                f"{','.join(client.scopes)}"
            )
            for key in client.keys.all():
                status = "live" if key.is_live(now) else "ended"
                used = key.last_used_at.isoformat() if key.last_used_at else "never"
                self.stdout.write(f"  {key.prefix}\t{status}\t{key.label}\tlast used {used}")


def _get(model, **lookup):
    try:
        return model.objects.get(**lookup)
    except model.DoesNotExist:
        detail = ", ".join(f"{k}={v}" for k, v in lookup.items())
        raise CommandError(f"no {model._meta.verbose_name} with {detail}") from None

"""``bersih keys init``: create the development keys under var/keys (idempotent).

Each app that needs keys provides ``keys.py`` with ``init_keys(directory: Path, *, force: bool) -> list[str]``
(lines describing what it made or found); this command runs them all. Production keys (a BSrE
certificate, a ledger key kept offline) are placed in the same directory by the operator.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from bersih.core.discovery import bersih_app_modules


def keys_dir() -> Path:
    return Path(getattr(settings, "KEYS_DIR", settings.VAR_DIR / "keys"))


def key_initialisers():
    for label, module in bersih_app_modules("keys"):
        yield label, module.init_keys


class Command(BaseCommand):
    help = "Create the development CA, the unit certificates and the ledger signing key under var/keys."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        init = sub.add_parser("init", help="create missing keys (existing ones are kept)")
        init.add_argument("--force", action="store_true", help="replace existing development keys")

    def handle(self, *args, action: str, force: bool = False, **options):
        if action != "init":
            raise CommandError(f"unknown action {action}")
        directory = keys_dir()
        directory.mkdir(parents=True, exist_ok=True)
        directory.chmod(0o700)
        for label, init_keys in key_initialisers():
            for line in init_keys(directory, force=force):
                self.stdout.write(f"[{label}] {line}")

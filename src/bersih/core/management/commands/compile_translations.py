"""``bersih compile_translations``: .po → .mo for every catalogue in LOCALE_PATHS, without GNU gettext."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from bersih.core.translations import PoSyntaxError, compile_po


class Command(BaseCommand):
    help = "Compile the translation catalogues (.po) into .mo files, in pure Python."

    def handle(self, *args, **options):
        compiled = 0
        for directory in map(Path, settings.LOCALE_PATHS):
            for po_path in sorted(directory.glob("*/LC_MESSAGES/*.po")):
                try:
                    mo_path = compile_po(po_path)
                except PoSyntaxError as error:
                    raise CommandError(str(error)) from error
                compiled += 1
                if options["verbosity"] >= 2:
                    self.stdout.write(f"compiled {mo_path}")
        if options["verbosity"] >= 1:
            self.stdout.write(f"{compiled} catalogue(s) compiled")

"""``bersih seed_demo``: load the demo world once (a second run finds it and changes nothing)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from bersih.core.demo import new_world
from bersih.core.discovery import bersih_app_modules

DEMO_MARKER_UNIT = "pmj"


def demo_seeders():
    for label, module in bersih_app_modules("demo"):
        yield label, module.seed


class Command(BaseCommand):
    help = "Load the synthetic demo world (Polres Metro Bekasi) unless it is already there."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=settings.DEMO_SEED)

    def handle(self, *args, seed: int, **options):
        from bersih.core.models import Unit

        if Unit.objects.filter(code=DEMO_MARKER_UNIT).exists():
            self.stdout.write("The demo world is already loaded; nothing changed.")
            return
        world = new_world(seed, log=self.stdout.write)
        for label, seed_app in demo_seeders():
            with transaction.atomic():
                seed_app(world)
            self.stdout.write(f"demo: {label} loaded")
        self.stdout.write(self.style.SUCCESS("The demo world is loaded."))

"""``bersih demo``: prepare the embedded database, load the demo world once, and run the site with its
task worker on http://127.0.0.1:8000 (what ``make demo`` calls). Running it again reuses what exists."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand

from bersih.core.demo import DEMO_AGENCIES, DEMO_PASSWORD, DEMO_STAFF, DEMO_UNITS
from bersih.core.rules import SENSITIVE_ROLES


class Command(BaseCommand):
    help = "Prepare the database, load the demo world once, and serve the site with a task worker."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default="127.0.0.1:8000")
        parser.add_argument("--prepare-only", action="store_true", help="prepare and load, but do not serve")
        parser.add_argument("--no-worker", action="store_true")

    def handle(self, *args, bind: str, prepare_only: bool, no_worker: bool, **options):
        self.prepare()
        self.print_logins(bind)
        if prepare_only:
            return
        self.run_processes(bind, worker=not no_worker)

    def prepare(self) -> None:
        settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
        call_command("migrate", interactive=False, verbosity=0)
        call_command("createcachetable", verbosity=0)
        call_command("keys", "init")
        call_command("seed_demo")
        call_command("collectstatic", interactive=False, verbosity=0)

    def print_logins(self, bind: str) -> None:
        out = self.stdout.write
        out("")
        out(self.style.SUCCESS(f"Bersih demo: http://{bind}/   (staff sign-in: http://{bind}/masuk/)"))
        out(f"Every demo account's password: {DEMO_PASSWORD}")
        out("Accounts in sensitive roles also ask for a TOTP code: `.venv/bin/bersih otp_code USERNAME`.")
        places = {code: name for code, name, *_ in [*DEMO_UNITS, *DEMO_AGENCIES]}
        for username, role, where, _rank in DEMO_STAFF:
            totp = "  (+ TOTP)" if role in SENSITIVE_ROLES else ""
            out(f"  {username:<16} {role:<14} {places[where]}{totp}")
        out("")

    def run_processes(self, bind: str, *, worker: bool) -> None:
        bersih = [sys.executable, "-m", "bersih"]
        processes = [subprocess.Popen([*bersih, "serve", "--bind", bind, "--workers", "2"])]
        if worker and "worker" in get_commands():
            processes.append(subprocess.Popen([*bersih, "worker"]))

        def stop(*_):
            for process in processes:
                if process.poll() is None:
                    process.terminate()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        try:
            while all(process.poll() is None for process in processes):
                time.sleep(0.5)
        finally:
            stop()
            for process in processes:
                process.wait(timeout=30)

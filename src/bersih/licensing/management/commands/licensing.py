"""``bersih licensing bank-pay VA`` (the simulated bank's SIM fee notification, signed with the shared
secret and sent with the bank's API key to a running server) and ``bersih licensing simulate [--day
YYYY-MM-DD] [--applicants N] [--seed S] [--unit CODE]``: replay a whole Satpas day quickly through the
real services on a simulated clock (``licensing.simulation``), then check it: every ticket closed or in
exactly one line, every stage's calls in line order.

For ``simulate`` the day's counters are staffed by the Satpas's counter clerks (accounts without a
password are added when there are fewer clerks than counters); a Satpas without counters gets the
standard layout.
"""

from __future__ import annotations

import json
import os
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from bersih.core import bank
from bersih.core.models import Unit
from bersih.licensing import rules, services, simulation
from bersih.licensing.models import FeePayment, Ticket

API_PATH = "/api/v1/licensing/payments"


def demo_bank_key() -> str:
    """The demo bank's key with the scope licensing:payments, from the demo's key file (demo only)."""
    from bersih.core.demo import demo_keys_file

    path = demo_keys_file()
    if not path.exists():
        return ""
    for line in path.read_text().splitlines():
        if not line.startswith("#") and "licensing:payments" in line:
            return line.split()[0]
    return ""


class Command(BaseCommand):
    help = "The SIM service queue's operator commands."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        pay = sub.add_parser("bank-pay", help="simulate the bank: sign and post a SIM fee notification")
        pay.add_argument("va")
        pay.add_argument("--amount", type=int, default=None, help="rupiah (default: the fee of the account)")
        pay.add_argument("--reference", default="", help="the bank's transaction id (default: a new one)")
        pay.add_argument("--channel", default="va", choices=list(rules.PAYMENT_CHANNELS))
        pay.add_argument("--url", default="http://127.0.0.1:8000", help="the server (default %(default)s)")
        pay.add_argument(
            "--key",
            default=os.environ.get("LICENSING_BANK_API_KEY", ""),
            help="the bank's API key with the scope licensing:payments (default: $LICENSING_BANK_API_KEY, "
            "else the demo bank's key in var/demo-api-keys.txt)",
        )

        simulate = sub.add_parser("simulate", help="replay a whole day quickly on a simulated clock")
        simulate.add_argument("--day", default=None, help="YYYY-MM-DD (default: today)")
        simulate.add_argument("--applicants", type=int, default=240, help="how many arrive (default 240)")
        simulate.add_argument("--seed", type=int, default=1, help="the same seed replays the same day")
        simulate.add_argument("--unit", default="bks-satpas", help="code of the Satpas (default bks-satpas)")

    def handle(self, *args, subcommand: str, **options):
        if subcommand == "bank-pay":
            return self.bank_pay(**options)
        if subcommand == "simulate":
            return self.simulate(**options)
        raise CommandError(f"unknown subcommand {subcommand}")

    def bank_pay(self, *, va, amount, reference, channel, url, key, **options):
        key = key or demo_bank_key()
        if not key:
            raise CommandError(
                "give the bank's API key (--key or LICENSING_BANK_API_KEY): an API client with the scope "
                "licensing:payments"
            )
        if amount is None:
            payment = FeePayment.objects.filter(va_number=va).first()
            if payment is None:
                raise CommandError(f"no SIM fee account {va}; give --amount to send it anyway")
            amount = payment.amount
        payload = bank.simulated_payment(
            va=va, amount=amount, reference=reference, channel=channel, reference_prefix="SIMFEE"
        )
        body, headers = services.bank_request(payload)
        try:
            status, text = bank.post_notification(
                url.rstrip("/") + API_PATH, body, {**headers, "Authorization": f"Bearer {key}"}
            )
        except ConnectionError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"POST {API_PATH} {json.dumps(payload)}")
        self.stdout.write(f"{status} {text}")

    def simulate(self, *, day, applicants, seed, unit, **options):
        try:
            day = date.fromisoformat(day) if day else timezone.localdate()
        except ValueError as exc:
            raise CommandError(f"--day: {exc}") from exc
        if not 1 <= applicants <= 5000:
            raise CommandError("--applicants must be between 1 and 5000")
        satpas = Unit.objects.filter(code=unit).first()
        if satpas is None:
            raise CommandError(f"no unit with the code {unit!r}")
        if Ticket.objects.filter(unit=satpas, day=day).exists():
            raise CommandError(f"{satpas.name} already has tickets on {day}: choose another day")
        with transaction.atomic():
            simulation.ensure_counters(satpas)
            clerks, kiosk, supervisor = simulation.satpas_people(satpas)
            simulation.staff_day(satpas, day, clerks, supervisor=supervisor)
            report = simulation.simulate_day(
                unit=satpas,
                day=day,
                applicants=applicants,
                seed=seed,
                kiosk=kiosk,
                supervisor=supervisor,
                short_clerk=clerks[3] if len(clerks) > 3 else None,
            )
        for line in report.lines():
            self.stdout.write(line)
        problems = simulation.check_day(satpas, day)
        if problems:
            for problem in problems[:20]:
                self.stderr.write(problem)
            raise CommandError(f"{len(problems)} inconsistencies found")
        self.stdout.write(
            self.style.SUCCESS("consistent: every ticket closed or in one line; calls in line order")
        )

"""``bersih licensing bank-pay VA`` (the simulated bank's SIM fee notification, signed with the shared
secret and sent with the bank's API key to a running server)."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from secrets import token_hex

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from bersih.licensing import rules, services
from bersih.licensing.models import FeePayment

API_PATH = "/api/v1/licensing/payments"


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
            help="the bank's API key with the scope licensing:payments (default: $LICENSING_BANK_API_KEY)",
        )

    def handle(self, *args, subcommand: str, **options):
        if subcommand == "bank-pay":
            return self.bank_pay(**options)
        raise CommandError(f"unknown subcommand {subcommand}")

    def bank_pay(self, *, va, amount, reference, channel, url, key, **options):
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
        payload = {
            "va_number": va,
            "amount": amount,
            "paid_at": timezone.localtime().replace(microsecond=0).isoformat(),
            "bank_reference": reference or f"SIMFEE-{timezone.localdate():%Y%m%d}-{token_hex(4).upper()}",
            "channel": channel,
        }
        body, headers = services.bank_request(payload)
        request = urllib.request.Request(  # noqa: S310 - the operator names the server
            url.rstrip("/") + API_PATH,
            data=body,
            method="POST",
            headers={**headers, "Content-Type": "application/json", "Authorization": f"Bearer {key}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                status, text = response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            status, text = exc.code, exc.read().decode()
        except urllib.error.URLError as exc:
            raise CommandError(f"cannot reach {url}: {exc.reason}") from None
        self.stdout.write(f"POST {API_PATH} {json.dumps(payload)}")
        self.stdout.write(f"{status} {text}")

"""``bersih etle import FILE`` (camera events), ``bersih etle import-vehicles FILE`` (the registry),
``bersih etle camera CODE …`` (register a camera), ``bersih etle reconcile FILE.csv`` (the bank's daily
statement), ``bersih etle bank-pay VA`` (the simulated bank's payment notification), ``bersih etle
sweep-deadlines [--now ISO]`` (block the STNKs of late cases now) and ``bersih etle export-blocks
[--after ID] [--out FILE]`` (the block records as CSV for Samsat).

Events: JSON Lines (one event per line, with its ``camera`` code) or CSV (a ``camera`` column and one
column per field of the neutral format). Each line is judged on its own through the same pipeline as
the API; the summary counts accepted, merged, duplicate and rejected lines with their reasons.
"""

from __future__ import annotations

import csv
import sys
from collections import Counter
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from bersih.core.models import ApiClient, Unit
from bersih.etle import exports, rules, selectors, services
from bersih.etle.models import Camera, Capture, Payment, StnkBlock
from bersih.ledger.services import SYSTEM

VEHICLE_CHUNK = 5000


class Command(BaseCommand):
    help = "Import camera events (JSON Lines or CSV) or the vehicle registry (CSV)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        events = sub.add_parser("import", help="import camera events from a .jsonl or .csv file")
        events.add_argument("file")
        events.add_argument("--no-progress", action="store_true", help="no progress bar")
        vehicles = sub.add_parser("import-vehicles", help="import registered vehicles from a CSV file")
        vehicles.add_argument("file")
        camera = sub.add_parser("camera", help="register a camera, or change a registered one")
        camera.add_argument("code")
        camera.add_argument("--name", required=True)
        camera.add_argument("--road", required=True)
        camera.add_argument("--direction", default="")
        camera.add_argument("--lat", required=True, type=Decimal)
        camera.add_argument("--lon", required=True, type=Decimal)
        camera.add_argument("--speed-limit", type=int, default=None)
        camera.add_argument("--violations", default="", help="comma-separated codes it enforces")
        camera.add_argument(
            "--vendor", default=Camera.OTHER, choices=[c for c, _label in Camera.VENDOR_CHOICES]
        )
        camera.add_argument("--unit", required=True, help="code of the owning unit")
        camera.add_argument("--client", default="", help="name of the API client that posts for it")
        camera.add_argument("--inactive", action="store_true")
        reconcile = sub.add_parser(
            "reconcile", help="compare the bank's daily statement (CSV) with the payments"
        )
        reconcile.add_argument("file")
        reconcile.add_argument("--day", default=None, help="YYYY-MM-DD (default: the statement's dates)")
        reconcile.add_argument("--unit", default="", help="code of the unit (default: the top of the tree)")
        pay = sub.add_parser("bank-pay", help="simulate the bank: sign and post a payment notification")
        pay.add_argument("va")
        pay.add_argument("--amount", type=int, default=None, help="rupiah (default: the account's amount)")
        pay.add_argument("--reference", default="", help="the bank's transaction id (default: a new one)")
        pay.add_argument("--channel", default="mobile", choices=rules.BANK_CHANNELS)
        pay.add_argument("--url", default="http://127.0.0.1:8000", help="the server (default %(default)s)")
        sweep = sub.add_parser("sweep-deadlines", help="block the STNKs of cases past their deadline now")
        sweep.add_argument("--now", default=None, help="the moment to judge, ISO 8601 with offset")
        export = sub.add_parser("export-blocks", help="write the STNK block records as CSV (Samsat)")
        export.add_argument("--after", type=int, default=0, help="only records after this id")
        export.add_argument("--out", default=None, help="file to write (default: standard output)")

    def handle(self, *args, subcommand: str, **options):
        if subcommand == "camera":
            return self.register_camera(**options)
        if subcommand == "bank-pay":
            return self.bank_pay(**options)
        if subcommand == "sweep-deadlines":
            return self.sweep_deadlines(options["now"])
        if subcommand == "export-blocks":
            return self.export_blocks(options["after"], options["out"])
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        if subcommand == "import":
            return self.import_events(path, progress=not options["no_progress"])
        if subcommand == "reconcile":
            return self.reconcile(path, day=options["day"], unit=options["unit"])
        return self.import_vehicles(path)

    # --- cameras --------------------------------------------------------------------------------------

    def register_camera(self, *, code, unit, client, lat, lon, speed_limit, violations, inactive, **options):
        owner = Unit.objects.filter(code=unit).first()
        if owner is None:
            raise CommandError(f"no unit with the code {unit}")
        api_client = None
        if client:
            api_client = ApiClient.objects.filter(name=client).first()
            if api_client is None:
                raise CommandError(f"no API client named {client}")
        try:
            camera = services.camera_register(
                actor=SYSTEM,
                code=code,
                unit=owner,
                api_client=api_client,
                name=options["name"],
                road=options["road"],
                direction=options["direction"],
                latitude=lat,
                longitude=lon,
                speed_limit_kmh=speed_limit,
                violation_codes=[c.strip() for c in violations.split(",") if c.strip()],
                vendor=options["vendor"],
                active=not inactive,
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        self.stdout.write(f"camera {camera.code} registered ({camera.road}, unit {owner.code})")

    # --- events -----------------------------------------------------------------------------------

    def import_events(self, path: Path, *, progress: bool):
        with path.open(encoding="utf-8") as handle:
            total = sum(1 for line in handle if line.strip()) - (1 if path.suffix == ".csv" else 0)
        outcomes: Counter = Counter()
        reasons: Counter = Counter()
        cameras: dict[str, Camera | None] = {}
        pending: list = []  # (line number, item) of the current camera
        current = None
        bar = tqdm(total=max(total, 0), unit="event", disable=not progress, file=self.stderr._out)
        for code, item in services.event_rows(path):
            if code is None or not isinstance(code, str):
                self._count_rejection(outcomes, reasons, item if isinstance(item, str) else "no camera")
                bar.update(1)
                continue
            if code != current or len(pending) >= rules.MAX_BATCH_ITEMS:
                self._flush(cameras, current, pending, outcomes, reasons, bar)
                current, pending = code, []
            pending.append(item)
        self._flush(cameras, current, pending, outcomes, reasons, bar)
        bar.close()
        self._summary(outcomes, reasons)

    def _flush(self, cameras, code, items, outcomes, reasons, bar):
        if not items:
            return
        if code not in cameras:
            cameras[code] = Camera.objects.filter(code=code).first()
        camera = cameras[code]
        if camera is None:
            for _item in items:
                self._count_rejection(outcomes, reasons, f"unknown camera {code}")
        else:
            for result in services.captures_ingest(
                actor=SYSTEM, camera=camera, items=items, source=Capture.IMPORT
            ):
                outcomes[result.outcome] += 1
                if not result.ok:
                    reasons[result.reason] += 1
        bar.update(len(items))

    @staticmethod
    def _count_rejection(outcomes, reasons, reason: str):
        outcomes[services.REJECTED] += 1
        reasons[reason] += 1

    def _summary(self, outcomes: Counter, reasons: Counter):
        order = (services.ACCEPTED, services.MERGED, services.DUPLICATE, services.REJECTED)
        self.stdout.write(", ".join(f"{name}: {outcomes[name]}" for name in order))
        for reason, count in reasons.most_common():
            self.stdout.write(f"  rejected {count} x {reason}")

    # --- vehicles ---------------------------------------------------------------------------------

    def import_vehicles(self, path: Path):
        created = updated = 0
        rejected = []
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            chunk: list = []
            offset = 0
            for row in reader:
                chunk.append(row)
                if len(chunk) >= VEHICLE_CHUNK:
                    summary = services.vehicles_import(actor=SYSTEM, rows=chunk)
                    created, updated = created + summary.created, updated + summary.updated
                    rejected += [(line + offset, reason) for line, reason in summary.rejected]
                    offset += len(chunk)
                    chunk = []
            if chunk:
                summary = services.vehicles_import(actor=SYSTEM, rows=chunk)
                created, updated = created + summary.created, updated + summary.updated
                rejected += [(line + offset, reason) for line, reason in summary.rejected]
        self.stdout.write(f"created: {created}, updated: {updated}, rejected: {len(rejected)}")
        for line, reason in rejected[:50]:
            self.stdout.write(f"  line {line}: {reason}")

    # --- payments -------------------------------------------------------------------------------------

    def reconcile(self, path: Path, *, day: str | None, unit: str):
        if unit:
            owner = Unit.objects.filter(code=unit).first()
            if owner is None:
                raise CommandError(f"no unit with the code {unit}")
        else:
            owner = Unit.objects.filter(parent__isnull=True).order_by("path").first()
            if owner is None:
                raise CommandError("no units yet")
        try:
            on = date.fromisoformat(day) if day else None
        except ValueError:
            raise CommandError(f"--day {day!r} is not YYYY-MM-DD") from None
        if path.stat().st_size > rules.MAX_STATEMENT_BYTES:
            raise CommandError(f"the statement is larger than {rules.MAX_STATEMENT_BYTES} bytes")
        content = path.read_bytes()
        try:
            run = services.reconciliation_run(
                actor=SYSTEM, unit=owner, content=content, day=on, file_name=path.name
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stdout.write(
            f"{run.day.isoformat()} {owner.code}: {run.statement_lines} statement lines, "
            f"{run.paid_here} paid here, {run.matched} matched, {run.mismatch_count} mismatches"
            f" (run {run.pk})"
        )
        for item in run.mismatches:
            line = f"line {item['line']}" if item.get("line") else "-"
            details = " ".join(
                f"{key}={item[key]}"
                for key in (
                    "tracking_number",
                    "statement_amount",
                    "amount",
                    "statement_reference",
                    "bank_reference",
                )
                if item.get(key) not in (None, "")
            )
            self.stdout.write(f"  {item['kind']:<24} {line:<10} {item['va_number']} {details}".rstrip())

    def bank_pay(self, *, va, amount, reference, channel, url, **options):
        import json

        from bersih.core import bank

        if amount is None:
            payment = Payment.objects.filter(va_number=va).first()
            if payment is None:
                raise CommandError(f"no virtual account {va}; give --amount to send it anyway")
            amount = payment.amount
        payload = bank.simulated_payment(
            va=va, amount=amount, reference=reference, channel=channel, reference_prefix="SIM"
        )
        body, headers = services.bank_request(payload)
        try:
            status, text = bank.post_notification(url.rstrip("/") + "/api/v1/etle/payments", body, headers)
        except ConnectionError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"POST /api/v1/etle/payments {json.dumps(payload)}")
        self.stdout.write(f"{status} {text}")

    # --- deadlines and blocks ---------------------------------------------------------------------

    def sweep_deadlines(self, now: str | None):
        from django.utils import timezone

        from bersih.etle.sweeps import deadlines_apply

        moment = timezone.now()
        if now:
            try:
                moment = datetime.fromisoformat(now)
            except ValueError:
                raise CommandError(f"not an ISO 8601 time: {now}") from None
            if moment.tzinfo is None:
                raise CommandError("the time needs its offset, e.g. 2026-12-07T08:00:00+07:00")
        summary = deadlines_apply(moment)
        late_confirm, late_pay = summary[rules.BLOCK_NOT_CONFIRMED], summary[rules.BLOCK_NOT_PAID]
        more = "; more left, run again" if summary["more"] else ""
        self.stdout.write(
            f"blocked: {late_confirm} not confirmed, {late_pay} not paid; paused: {summary['paused']}{more}"
        )

    def export_blocks(self, after: int, out: str | None):
        if after < 0:
            raise CommandError("--after is a record id, 0 or more")
        records = (
            StnkBlock.objects.filter(pk__gt=after)
            .order_by("pk")
            .values(*selectors.BLOCK_FIELDS)
            .iterator(2000)
        )
        if out:
            with Path(out).open("w", encoding="utf-8", newline="") as handle:
                last = exports.write_csv(handle, records)
        else:
            last = exports.write_csv(sys.stdout, records)
        note = f"last id: {last}" if last is not None else "no records"
        self.stderr.write(note)

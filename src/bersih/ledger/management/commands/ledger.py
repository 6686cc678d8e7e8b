"""``bersih ledger verify|checkpoint|show``: check the chain, sign its head, show entries."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from bersih.ledger import keys
from bersih.ledger.models import Entry
from bersih.ledger.services import SYSTEM, checkpoint_create
from bersih.ledger.verify import available_cpus, export_checkpoint, verify_exported_checkpoint, verify_ledger


def printable(exported: dict) -> str:
    """A checkpoint as a few lines of text, to print, sign by hand and file away."""
    return "\n".join(
        [
            "BERSIH LEDGER CHECKPOINT",
            f"entry (head)  : #{exported['seq']}",
            f"entries       : {exported['entry_count']}",
            f"head hash     : {exported['head_hash']}",
            f"time (UTC)    : {exported['created_at']}",
            f"key id        : {exported['key_id']}",
            f"public key    : {exported['public_key']}",
            f"signature     : {exported['signature']}",
            f"statement     : {exported['statement']}",
        ]
    )


class Command(BaseCommand):
    help = "Verify the ledger chain and its checkpoints, sign a checkpoint of the head, or show entries."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        verify = sub.add_parser("verify", help="walk the chain; exit 1 at the first broken entry")
        verify.add_argument(
            "--checkpoint",
            action="append",
            default=[],
            metavar="FILE",
            help="also check an exported checkpoint (JSON) kept off-site; may be repeated",
        )
        verify.add_argument(
            "--workers",
            type=int,
            default=available_cpus(),
            metavar="N",
            help="processes that walk a long chain side by side (default: the CPUs available, %(default)s)",
        )
        checkpoint = sub.add_parser("checkpoint", help="sign the current head with the ledger key")
        checkpoint.add_argument("--json", metavar="FILE", help="also write the checkpoint as JSON to FILE")
        checkpoint.add_argument("--pdf", metavar="FILE", help="also write a printable PDF page to FILE")
        show = sub.add_parser("show", help="print the last entries")
        show.add_argument("--last", type=int, default=20)
        show.add_argument("--action", default="", help="only actions starting with this prefix")

    def handle(self, *args, subcommand: str, **options):
        return getattr(self, f"do_{subcommand}")(**options)

    def do_verify(self, *, checkpoint: list[str], workers: int, **options):
        if workers < 1:
            raise CommandError("--workers must be at least 1")
        report = verify_ledger(workers=workers)
        failed = not report.ok
        if report.problem:
            self.stderr.write(f"BROKEN at {report.problem}")
            self.stderr.write(f"({report.count} entries before it verified)")
        for problem in report.column_problems:
            self.stderr.write(f"COLUMNS: {problem}")
        for problem in report.checkpoint_problems:
            self.stderr.write(f"CHECKPOINT FAILED: {problem}")
        for path in checkpoint:
            problem = self._check_file(Path(path))
            if problem:
                failed = True
                self.stderr.write(f"CHECKPOINT FAILED: {path}: {problem}")
            else:
                self.stdout.write(f"checkpoint {path}: OK")
        if failed:
            raise CommandError("ledger verification failed", returncode=1)
        self.stdout.write(
            f"OK: {report.count} entries, head {report.head_hash}"
            f" ({report.checkpoints_checked} checkpoint(s) verified)"
        )

    def _check_file(self, path: Path) -> str | None:
        try:
            exported = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            return f"cannot read: {exc}"
        if not isinstance(exported, dict):
            return "malformed checkpoint"
        try:
            return verify_exported_checkpoint(exported)
        except keys.KeyMissing as exc:
            return str(exc)

    def do_checkpoint(self, *, json: str | None = None, pdf: str | None = None, **options):
        try:
            checkpoint = checkpoint_create(actor=SYSTEM)
        except (keys.KeyMissing, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        exported = export_checkpoint(checkpoint)
        self.stdout.write(printable(exported))
        if json:
            import json as json_module

            Path(json).write_text(json_module.dumps(exported, indent=2) + "\n")
            self.stdout.write(f"written to {json}")
        if pdf:
            from bersih.ledger.printing import checkpoint_pdf

            Path(pdf).write_bytes(checkpoint_pdf(exported))
            self.stdout.write(f"printable page written to {pdf}")

    def do_show(self, *, last: int, action: str, **options):
        entries = Entry.objects.order_by("-seq")
        if action:
            entries = entries.filter(action__startswith=action)
        for entry in reversed(list(entries[: max(1, min(last, 1000))])):
            subject = f"{entry.subject_type}:{entry.subject_id}" if entry.subject_type else "-"
            self.stdout.write(
                f"#{entry.seq} {entry.at:%Y-%m-%d %H:%M:%S} {entry.actor_label} {entry.action} {subject} "
                f"{entry.hash[:16]}"
            )

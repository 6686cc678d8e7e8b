"""``bersih verify_document FILE.pdf``: the verification page's answer, for operators and scripts."""

from __future__ import annotations

import hashlib
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from bersih.documents.selectors import issued_document_by_sha256
from bersih.documents.signing import verify_pdf


class Command(BaseCommand):
    help = "Check a PDF's signature and whether it is a document issued here. Exit status 1 if not genuine."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)

    def handle(self, *args, path: Path, **options):
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        data = path.read_bytes()
        result = verify_pdf(data)
        issued = issued_document_by_sha256(hashlib.sha256(data).hexdigest())
        self.stdout.write(f"signed:   {'yes' if result.signed else 'no'}")
        self.stdout.write(f"genuine:  {'yes' if result.genuine else 'no'}")
        self.stdout.write(f"intact:   {'yes' if result.intact else 'no'}")
        if result.signer_subject:
            self.stdout.write(f"signer:   {result.signer_subject}")
        if result.signed_at:
            self.stdout.write(
                f"signed at: {result.signed_at.isoformat()}{' (timestamp)' if result.timestamped else ''}"
            )
        self.stdout.write(f"issued here: {issued.code if issued else 'no'}")
        for reason in result.reasons:
            self.stdout.write(f"- {reason}")
        if not result.ok:
            raise CommandError("the document is not genuine and intact")

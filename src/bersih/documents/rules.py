"""Document policy as data: which file types each use accepts and how large they may be."""

from __future__ import annotations

# Sniffed from the bytes (magic numbers), never taken from the client's name or header.
PDF = frozenset({"application/pdf"})
IMAGES = frozenset({"image/jpeg", "image/png", "image/webp"})
EVIDENCE = PDF | IMAGES
# Plain-text tables (a bank statement): no magic number, so recognised as UTF-8 text without NUL bytes.
CSV = frozenset({"text/csv"})

# Upper bounds per use. The request-body limit (MAX_REQUEST_BYTES) applies before these.
MAX_PDF_BYTES = 10 * 1024 * 1024
MAX_IMAGE_BYTES = 8 * 1024 * 1024
# A PDF a member of the public uploads to the verification page.
MAX_VERIFY_BYTES = 10 * 1024 * 1024

# Prefix of document verification codes (core.tracking).
CODE_PREFIX = "DOC"

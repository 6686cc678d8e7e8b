"""The Samsat feed as CSV: one row per STNK block or unblock (the command and the staff download)."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from zoneinfo import ZoneInfo

JAKARTA = ZoneInfo("Asia/Jakarta")
CSV_HEADER = ["id", "action", "plate", "tracking_number", "reason", "at", "unit"]


def block_out(record: dict) -> dict:
    """One record of ``selectors.BLOCK_FIELDS`` as the feed shows it (time in WIB with its offset)."""
    return {
        "id": record["id"],
        "action": record["action"],
        "plate": record["plate"],
        "tracking_number": record["violation__tracking_number"],
        "reason": record["reason"],
        "at": record["at"].astimezone(JAKARTA).isoformat(),
        "unit": record["violation__unit__code"],
    }


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(records: Iterable[dict]) -> Iterator[str]:
    """The header, then one CSV line per record (for a streaming download)."""
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_HEADER)
    for record in records:
        row = block_out(record)
        yield writer.writerow([row[name] for name in CSV_HEADER])


def write_csv(handle, records: Iterable[dict]) -> int | None:
    """Write the CSV to ``handle``; answers the last id written (None when there was none)."""
    last = None
    writer = csv.writer(handle)
    writer.writerow(CSV_HEADER)
    for record in records:
        row = block_out(record)
        writer.writerow([row[name] for name in CSV_HEADER])
        last = row["id"]
    return last

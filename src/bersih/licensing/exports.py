"""The Satpas statistics as CSV: one row per group of each distribution, then one per day."""

from __future__ import annotations

import csv

from . import statistics

CSV_HEADER = [
    "metric",
    "dimension",
    "group",
    "count",
    "mean_seconds",
    "p50_seconds",
    "p90_seconds",
    "max_seconds",
    "within_standard",
    "issued",
]


def _seconds(value) -> str:
    return "" if value is None else f"{value:.0f}"


def statistics_rows(data: dict):
    """The header, then the rows of ``statistics.statistics``'s figures (seconds, machine numbers)."""
    waits, services = statistics.bucket_labels(statistics.WAIT), statistics.bucket_labels(statistics.SERVICE)
    sizes = {"wait": len(waits), "service": len(services)}
    yield [
        *CSV_HEADER,
        *(f"wait_min_{label}" for label in waits),
        *(f"service_min_{label}" for label in services),
    ]
    for metric, groups, offset in (("wait", data["waits"], 0), ("service", data["services"], len(waits))):
        for dimension, rows in groups.items():
            for row in rows:
                counts = [""] * (len(waits) + len(services))
                counts[offset : offset + sizes[metric]] = row["buckets"]
                yield [
                    metric,
                    dimension,
                    row["label"],
                    row["count"],
                    _seconds(row["mean"]),
                    _seconds(row["p50"]),
                    _seconds(row["p90"]),
                    _seconds(row["max"]),
                    "" if row["within"] is None else row["within"],
                    "",
                    *counts,
                ]
    for day in data["days"]:
        yield [
            "visit",
            "day",
            day["day"].isoformat(),
            day["served"],
            "",
            "",
            "",
            "",
            day["within"],
            day["issued"],
        ]


def write_csv(handle, data: dict) -> None:
    writer = csv.writer(handle)
    for row in statistics_rows(data):
        writer.writerow(row)

"""Sipmas's open data at /api/v1/open-data/: aggregate figures per service and month, in JSON and CSV,
for anyone (no key). The figures and their suppression are ``selectors.open_data_services``'s."""

from __future__ import annotations

import csv
import io

from django.http import HttpResponse
from ninja import Router, Schema

from . import selectors

router = Router(tags=["open data"])
SUPPRESSED = "<5"


class OpenDataRow(Schema):
    service: str
    service_name: str
    month: str
    received: int | None
    completed: int | None
    median_completion_hours: float | None
    sla_compliance_percent: float | None
    suppressed: list[str]


class OpenData(Schema):
    generated_at: str
    period: dict[str, str]
    suppression_threshold: int
    rows: list[OpenDataRow]


@router.get("services.json", auth=None, response=OpenData)
def services_json(request):
    """Per Sipmas service and month (the last 12): cases received and completed, the median completion
    time in hours and the share finished within the service standard. A figure resting on fewer than
    5 cases is null and named in the row's `suppressed`."""
    return selectors.open_data_services()


@router.get("services.csv", auth=None)
def services_csv(request):
    """The same figures as CSV (UTF-8, one row per service and month); withheld figures read `<5`."""
    data = selectors.open_data_services()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["service", "service_name", "month", *selectors.OPEN_DATA_FIGURES])
    for row in data["rows"]:
        figures = [
            SUPPRESSED if name in row["suppressed"] else ("" if row[name] is None else row[name])
            for name in selectors.OPEN_DATA_FIGURES
        ]
        writer.writerow([row["service"], row["service_name"], row["month"], *figures])
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="sipmas-services.csv"'
    return response

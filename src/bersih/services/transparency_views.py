"""The public transparency page: Sipmas's figures per service and month, from the open data."""

from __future__ import annotations

from django.shortcuts import render

from . import rules, selectors


def transparency(request):
    data = selectors.open_data_services()
    services = []
    for code in rules.CASE_SERVICES:
        rows = [row for row in data["rows"] if row["service"] == code]
        services.append({"code": code, "name": rules.SERVICES[code].name, "rows": rows[::-1]})
    return render(
        request,
        "services/transparency_page.html",
        {"data": data, "services": services, "threshold": rules.SMALL_COUNT_SUPPRESSION},
    )

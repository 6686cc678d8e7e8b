"""Reads of the SIM service shared by views, API and reports."""

from __future__ import annotations

# --- Statistics and integrity signals (computed in the database: see ``statistics``) ---------------
from .statistics import (  # noqa: F401
    default_period,
    distribution,
    integrity,
    out_of_order,
    reissued_tickets,
    satpas_units,
    served_per_day,
    shared_contacts,
    short_services,
    statistics,
)

"""Sipmas's scheduled work (found by ``core.schedule``).

* ``services.sla``: late cases escalate to the head of the handling unit, then to the Polres
  leadership; answered complaints without the reporter's reply close (SP4N-LAPOR!). Idempotent; each
  automatic step is a ledger entry by the system actor.
"""

from __future__ import annotations

from datetime import timedelta

from bersih.core.schedule import register_sweep

from .services import services_sla_sweep

register_sweep("services.sla", timedelta(minutes=15), services_sla_sweep)

# * ``services.weekly_summary``: last week's monitoring figures as a PDF to each Polres's leadership,
#   once per ISO week per Polres (see ``monitoring_report``); hourly, so a missed hour is caught up.
from .monitoring_report import services_weekly_summary_sweep  # noqa: E402

register_sweep("services.weekly_summary", timedelta(hours=1), services_weekly_summary_sweep)

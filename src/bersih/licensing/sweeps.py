"""The SIM queue's scheduled work (found by ``core.schedule``).

* ``licensing.expire``: tickets still open after their day and online bookings whose day passed
  without a check-in expire (``services.expiry``); idempotent, each expiry a ledger entry.
"""

from __future__ import annotations

from datetime import timedelta

from bersih.core.schedule import register_sweep

from .services.expiry import licensing_expire

register_sweep("licensing.expire", timedelta(minutes=15), licensing_expire)

"""ETLE's scheduled work (found by ``core.schedule``). Each sweep is idempotent and bounded."""

from __future__ import annotations

from datetime import timedelta

from bersih.core.schedule import register_sweep

from .services import letters_due

# The letter of every approved case still without one: a task lost at approval, a crashed worker, a
# case the owner handed to a named driver.
register_sweep("etle.letters", timedelta(minutes=5), letters_due)

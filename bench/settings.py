"""Benchmarks run against their own SQLite file under var/bench (or DATABASE_URL when set)."""

import os
from pathlib import Path

_var = Path(os.environ.get("BERSIH_VAR_DIR", Path(__file__).resolve().parent.parent / "var")) / "bench"
_var.mkdir(parents=True, exist_ok=True)
os.environ.setdefault("DATABASE_URL", f"sqlite:///{_var / 'bench.sqlite3'}")

from bersih.settings import *  # noqa: E402, F403

LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}

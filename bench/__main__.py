"""``make bench``: run every benchmark in bench/ (or those named) and print its figures.

Usage: python -m bench [name ...]   e.g. ``python -m bench ledger pdf``
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys
import time
from pathlib import Path


def main(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    here = Path(__file__).parent
    names = sorted(
        m.name.removeprefix("bench_")
        for m in pkgutil.iter_modules([str(here)])
        if m.name.startswith("bench_")
    )
    wanted = argv or names
    unknown = set(wanted) - set(names)
    if unknown:
        print(f"unknown benchmarks: {', '.join(sorted(unknown))}; known: {', '.join(names)}", file=sys.stderr)
        return 2
    failures = 0
    for name in wanted:
        module = importlib.import_module(f"bench.bench_{name}")
        print(f"\n## {name}: {module.__doc__.strip().splitlines()[0] if module.__doc__ else ''}")
        started = time.perf_counter()
        failures += 0 if module.run() else 1
        print(f"   ({time.perf_counter() - started:.1f} s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

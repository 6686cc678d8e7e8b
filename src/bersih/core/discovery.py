"""Finding the per-app modules the platform calls: ``demo.py`` (seed_demo), ``keys.py`` (keys init)."""

from __future__ import annotations

from collections.abc import Iterator
from importlib import import_module
from types import ModuleType

from django.apps import apps


def bersih_app_modules(name: str) -> Iterator[tuple[str, ModuleType]]:
    """(app label, module) for each Bersih app that has ``<app>/<name>.py``, in INSTALLED_APPS order."""
    for config in apps.get_app_configs():
        if not config.name.startswith("bersih."):
            continue
        try:
            module = import_module(f"{config.name}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"{config.name}.{name}":
                continue
            raise  # the module exists but one of its own imports is missing: that is a real error
        yield config.label, module

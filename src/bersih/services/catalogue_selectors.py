"""Reads of the service catalogue and intake pages: the Polres that serve the public, the unit of each
kind that answers for a service there, and the counters an officer may take requests at."""

from __future__ import annotations

from functools import reduce
from operator import or_

from django.conf import settings
from django.db.models import Q

from bersih.core.models import Unit

from . import rules

# Who may take a request at the counter: the responsible unit's officers and its head.
COUNTER_ROLES = ("officer", "supervisor")


def polres_units() -> list[Unit]:
    """Every active Polres, the installation's own (``POLRES_NAME``) first, then by name."""
    units = list(Unit.objects.filter(kind="polres", active=True).order_by("name"))
    units.sort(key=lambda unit: unit.name != settings.POLRES_NAME)
    return units


def polres_chosen(units: list[Unit], code: str | None) -> Unit | None:
    """The Polres ``code`` among ``units``; without a code, the installation's own (the first).
    None for an unknown code or when there is no Polres at all."""
    if code:
        return next((unit for unit in units if unit.code == code), None)
    return units[0] if units else None


def responsible_units(polres: Unit | None) -> dict[str, Unit]:
    """kind → the Polres's active unit of that kind (the first by its place in the tree), in one query."""
    if polres is None:
        return {}
    kinds = {standard.unit_kind for standard in rules.SERVICES.values()}
    found: dict[str, Unit] = {}
    for unit in Unit.objects.filter(path__startswith=polres.path, kind__in=kinds, active=True).order_by(
        "path"
    ):
        found.setdefault(unit.kind, unit)
    return found


def counter_units(user, service: str) -> list[Unit]:
    """The active units responsible for ``service`` where ``user`` is an officer or the head: the unit
    they are assigned to, or one of its kind below it."""
    if not getattr(user, "is_authenticated", False):
        return []
    kind = rules.SERVICES[service].unit_kind
    paths = sorted({a.unit.path for a in user.active_assignments() if a.role in COUNTER_ROLES and a.unit_id})
    if not paths:
        return []
    within = reduce(or_, (Q(path__startswith=path) for path in paths))
    return list(Unit.objects.filter(within, kind=kind, active=True).order_by("path"))


def counter_services(user) -> list[tuple[rules.ServiceStandard, list[Unit]]]:
    """The request services ``user`` may take at a counter, each with the units where they may."""
    offered = []
    for code in rules.REQUEST_SERVICES:
        units = counter_units(user, code)
        if units:
            offered.append((rules.SERVICES[code], units))
    return offered

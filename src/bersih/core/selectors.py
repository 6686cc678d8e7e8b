"""Reads shared by views, the API and reports (core): the unit directory."""

from __future__ import annotations

from functools import reduce
from operator import or_

from django.db.models import Q, QuerySet

from .models import ApiClient, Unit
from .querysets import scope_agency_ids, scope_paths


def units_visible_to(caller) -> QuerySet[Unit]:
    """Units in the caller's scope: the subtrees where a person holds a role (or the partner units of
    their agency); for an API client, its owner unit's subtree and its agency's partner units."""
    if isinstance(caller, ApiClient):
        paths = [caller.owner_unit.path]
        agencies = [caller.agency_id] if caller.agency_id else []
    else:
        if not getattr(caller, "is_authenticated", False) or not caller.has_perm("core.view_unit"):
            return Unit.objects.none()
        paths = list(scope_paths(caller))
        agencies = scope_agency_ids(caller)
    if agencies:
        paths += list(Unit.objects.filter(partner_agencies__in=agencies).values_list("path", flat=True))
    if not paths:
        return Unit.objects.none()
    return Unit.objects.filter(reduce(or_, (Q(path__startswith=p) for p in set(paths)))).select_related(
        "parent"
    )

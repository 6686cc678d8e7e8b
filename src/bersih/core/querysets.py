"""``restrict(user, action)``: the one way every module narrows a queryset to what a person may see.

A model opts in with ``objects = RestrictedQuerySet.as_manager()`` and says where its scope lives:

* ``scope_unit_field`` (default ``"unit"``): the foreign key to the owning :class:`~bersih.core.models.Unit`;
  a person sees records of the units under any unit they hold a role in;
* ``scope_agency_field`` (optional): the relation to the partner agencies that are party to a record;
  agency users see only those records.

The action must also be allowed by the module's rules (``<app_label>.<action>_<model_name>``). A record
outside the result answers 404 in views (``get_object_or_404(Model.objects.restrict(...), ...)``), so its
existence is not revealed.
"""

from __future__ import annotations

from functools import reduce
from operator import or_

from django.db import models
from django.db.models import Q


def scope_paths(user) -> list[str]:
    """Tree paths of the units where ``user`` holds an active role."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_bersih_scope_paths", None)
    if cached is None:
        cached = sorted({a.unit.path for a in user.active_assignments() if a.unit_id})
        user._bersih_scope_paths = cached
    return cached


def paths_above(user, *, including_own: bool = False) -> list[str]:
    """The tree paths of every unit above those where ``user`` holds a role (and theirs too when
    ``including_own``): the Polres above an officer's Satlantas, the Polda above that."""
    found = set()
    for path in scope_paths(user):
        parts = path.strip("/").split("/")
        last = len(parts) + 1 if including_own else len(parts)
        found.update("/" + "/".join(parts[:n]) + "/" for n in range(1, last))
    return sorted(found)


def scope_agency_ids(user) -> list[int]:
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_bersih_scope_agencies", None)
    if cached is None:
        cached = sorted({a.agency_id for a in user.active_assignments() if a.agency_id})
        user._bersih_scope_agencies = cached
    return cached


def unit_scope_q(user, unit_field: str) -> Q | None:
    """A filter matching records owned by units in ``user``'s scope, or None if they have none."""
    paths = scope_paths(user)
    if not paths:
        return None
    return reduce(or_, (Q(**{f"{unit_field}__path__startswith": path}) for path in paths))


class RestrictedQuerySet(models.QuerySet):
    def restrict(self, user, action: str = "view") -> RestrictedQuerySet:
        model = self.model
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        perm = f"{model._meta.app_label}.{action}_{model._meta.model_name}"
        if not user.has_perm(perm):
            return self.none()
        conditions = []
        unit_field = getattr(model, "scope_unit_field", "unit")
        if unit_field:
            unit_q = unit_scope_q(user, unit_field)
            if unit_q is not None:
                conditions.append(unit_q)
        agency_field = getattr(model, "scope_agency_field", None)
        agencies = scope_agency_ids(user)
        if agency_field and agencies:
            conditions.append(Q(**{f"{agency_field}__in": agencies}))
        if not conditions:
            return self.none()
        return (
            self.filter(reduce(or_, conditions)).distinct()
            if agency_field
            else self.filter(reduce(or_, conditions))
        )

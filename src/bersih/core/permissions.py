"""Role predicates shared by every module's ``permissions.py`` (built on ``rules``)."""

from __future__ import annotations

import rules

from . import rules as policy


def roles_of(user) -> set[str]:
    if not getattr(user, "is_authenticated", False):
        return set()
    cached = getattr(user, "_bersih_roles", None)
    if cached is None:
        cached = {a.role for a in user.active_assignments()}
        user._bersih_roles = cached
    return cached


def has_role(*roles: str) -> rules.Predicate:
    """True if the person holds any of ``roles`` somewhere; the record's scope is checked by ``restrict``."""
    unknown = set(roles) - set(policy.ROLES)
    if unknown:
        raise ValueError(f"unknown roles: {sorted(unknown)}")
    wanted = frozenset(roles)

    @rules.predicate(name=f"has_role:{','.join(sorted(wanted))}")
    def predicate(user) -> bool:
        return bool(roles_of(user) & wanted)

    return predicate


is_staff_member = rules.predicate(
    lambda user: bool(roles_of(user) - policy.AGENCY_ROLES), name="is_staff_member"
)
is_agency_user = has_role("agency_user")
is_administrator = has_role("administrator")
is_oversight = has_role("oversight", "leadership")

rules.add_perm("core.view_unit", rules.is_authenticated)
rules.add_perm("core.view_agency", rules.is_authenticated)
rules.add_perm("core.view_user", is_administrator | is_oversight)
rules.add_perm("core.change_user", is_administrator)
rules.add_perm("core.view_assignment", is_administrator | is_oversight)
rules.add_perm("core.change_assignment", is_administrator)
rules.add_perm("core.view_apiclient", is_administrator)
rules.add_perm("core.change_apiclient", is_administrator)

"""Navigation by role: each module registers its entries; the shell shows those a person may use."""

from __future__ import annotations

from dataclasses import dataclass, field

import rules
from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class NavEntry:
    key: str
    label: str
    url_name: str
    permission: str  # a rules permission, checked without an object
    description: str = ""
    order: int = 100
    kwargs: dict = field(default_factory=dict)

    def url(self) -> str | None:
        try:
            return reverse(self.url_name, kwargs=self.kwargs or None)
        except NoReverseMatch:
            return None


_REGISTRY: dict[str, NavEntry] = {}


def register(entry: NavEntry) -> None:
    _REGISTRY[entry.key] = entry


def may_use(user, permission: str) -> bool:
    # The rules only: asking Django's model permissions too (they serve the admin site) would cost two
    # queries on every page for each entry a person lacks.
    return user.is_superuser or rules.has_perm(permission, user)


def navigation_for(user) -> list[NavEntry]:
    if not getattr(user, "is_authenticated", False):
        return []
    return [
        entry
        for entry in sorted(_REGISTRY.values(), key=lambda e: (e.order, e.key))
        if may_use(user, entry.permission) and entry.url() is not None
    ]

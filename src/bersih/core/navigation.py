"""Navigation by role: each module registers its entries; the shell shows those a person may use.

A module registers once, at import of its ``apps.py`` ``ready()`` (or its ``permissions.py``)::

    navigation.register(NavEntry(
        key="etle", label=_("ETLE"), url_name="etle:staff-home", permission="etle.view_violation",
        description=_("Camera violations, confirmations and payments"), order=10,
    ))

Every entry appears in the header's navigation and, when it has a description (``tile=True``, the
default), as a tile on the staff home. Labels are lazy translations so they follow the reader's language.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import rules
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class NavEntry:
    key: str
    label: str
    url_name: str
    permission: str  # a rules permission, checked without an object
    description: str = ""
    order: int = 100
    kwargs: dict = field(default_factory=dict)
    tile: bool = True  # also shown as a tile on the staff home

    def url(self) -> str | None:
        try:
            return reverse(self.url_name, kwargs=self.kwargs or None)
        except NoReverseMatch:
            return None


@dataclass(frozen=True)
class NavItem:
    """One entry as a page shows it: its resolved address and whether the page is inside it."""

    entry: NavEntry
    url: str
    current: bool

    @property
    def key(self) -> str:
        return self.entry.key

    @property
    def label(self) -> str:
        return self.entry.label

    @property
    def description(self) -> str:
        return self.entry.description


_REGISTRY: dict[str, NavEntry] = {}


def register(entry: NavEntry) -> None:
    _REGISTRY[entry.key] = entry


def unregister(key: str) -> None:
    """Remove an entry (tests register their own and take them away again)."""
    _REGISTRY.pop(key, None)


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


def is_current(path: str, url: str) -> bool:
    """The page at ``path`` lies inside the section at ``url`` (the site root only matches itself)."""
    if url == "/":
        return path == "/"
    return path == url or path.startswith(url.rstrip("/") + "/")


def items_for(user, path: str = "") -> list[NavItem]:
    """The entries ``user`` may use, resolved, with the one holding ``path`` marked current.

    Only the deepest matching entry is current, so ``/etle/`` and ``/etle/kamera/`` never both are.
    """
    resolved = [(entry, entry.url()) for entry in navigation_for(user)]
    matches = [url for _, url in resolved if url and is_current(path, url)]
    deepest = max(matches, key=len) if matches else None
    return [NavItem(entry=entry, url=url, current=url == deepest) for entry, url in resolved if url]


def tiles_for(user, path: str = "") -> list[NavItem]:
    return [item for item in items_for(user, path) if item.entry.tile]


@dataclass(frozen=True)
class PublicLink:
    """A page of the citizens' side; plain addresses, since some modules add their pages later."""

    label: str
    url: str
    current: bool = False


# The citizens' navigation: find a service by its tracking number, the catalogue, a complaint.
PUBLIC_LINKS = (
    (_("Home"), "/"),
    (_("Track a service"), "/lacak/"),
    (_("Services"), "/layanan/"),
    (_("Complaints"), "/layanan/pengaduan/"),
)


def public_links(path: str = "") -> list[PublicLink]:
    matches = [url for _label, url in PUBLIC_LINKS if is_current(path, url)]
    deepest = max(matches, key=len) if matches else None
    return [PublicLink(label=label, url=url, current=url == deepest) for label, url in PUBLIC_LINKS]

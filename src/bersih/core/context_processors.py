"""What every page's shell needs: the person's roles and units, and the navigation for them."""

from __future__ import annotations

from django.conf import settings


def shell(request) -> dict:
    from .navigation import items_for, public_links

    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    assignments = list(user.active_assignments()) if signed_in else []
    if signed_in and not hasattr(user, "_bersih_roles"):
        # The same rows answer permissions.roles_of(), so the navigation's checks need no query.
        user._bersih_roles = {a.role for a in assignments}
    nav_items = items_for(user, request.path) if signed_in else []
    return {
        "bersih_env": settings.BERSIH_ENV,
        "polres_name": settings.POLRES_NAME,
        "navigation": [item.entry for item in nav_items],
        "nav_items": nav_items,
        "public_links": public_links(request.path) if not signed_in else [],
        "current_assignments": assignments,
    }

"""What every page's shell needs: the person's roles and units, and the navigation for them."""

from __future__ import annotations

from django.conf import settings

from .rules import SENSITIVE_ROLES


def owes_second_factor(user, assignments) -> bool:
    needs_it = any(a.role in SENSITIVE_ROLES for a in assignments)
    is_verified = getattr(user, "is_verified", None)  # set by django_otp's middleware
    return needs_it and not (callable(is_verified) and is_verified())


def shell(request) -> dict:
    from .navigation import items_for, public_links

    user = getattr(request, "user", None)
    authenticated = user is not None and user.is_authenticated
    # Read once per request (User caches them); the navigation's permission checks reuse the rows.
    assignments = list(user.active_assignments()) if authenticated else []
    # A person whose role needs a second factor they have not yet given is still signing in: the
    # shell shows them neither the staff navigation nor their roles until they have.
    signed_in = authenticated and not owes_second_factor(user, assignments)
    nav_items = items_for(user, request.path) if signed_in else []
    return {
        "bersih_env": settings.BERSIH_ENV,
        "polres_name": settings.POLRES_NAME,
        "navigation": [item.entry for item in nav_items],
        "nav_items": nav_items,
        "shell_signed_in": signed_in,
        "public_links": public_links(request.path) if not signed_in else [],
        "current_assignments": assignments if signed_in else [],
    }

"""What every page's shell needs: the person's roles and units, and the navigation for them."""

from __future__ import annotations

from django.conf import settings


def shell(request) -> dict:
    from .navigation import navigation_for

    user = getattr(request, "user", None)
    return {
        "bersih_env": settings.BERSIH_ENV,
        "navigation": navigation_for(user) if user is not None else [],
        "current_assignments": list(user.active_assignments())
        if user is not None and user.is_authenticated
        else [],
    }

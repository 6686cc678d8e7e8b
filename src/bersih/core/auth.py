"""Staff sessions: the idle timeout and the second factor for sensitive roles."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse

LAST_SEEN_KEY = "bersih_last_seen"


def guard_staff_session(request: HttpRequest) -> HttpResponse | None:
    """End a staff session idle for longer than ``STAFF_IDLE_TIMEOUT``; otherwise renew its clock."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    now = time.time()
    last_seen = request.session.get(LAST_SEEN_KEY)
    if last_seen is not None and now - last_seen > settings.STAFF_IDLE_TIMEOUT.total_seconds():
        logout(request)
        request.session_expired = True
        return None
    request.session[LAST_SEEN_KEY] = now
    return None

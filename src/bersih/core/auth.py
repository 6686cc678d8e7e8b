"""Staff sessions: the idle timeout and the second factor for sensitive roles.

:func:`guard_staff_session` runs on every request (``StaffSessionMiddleware``). It also connects the
sign-in signals of Django and django-axes to the recording services in ``core.services``: the
receivers only pass the event on.
"""

from __future__ import annotations

import time

from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.contrib.auth.views import redirect_to_login
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve, reverse

from . import rules as policy

LAST_SEEN_KEY = "bersih_last_seen"
# Set in the fresh (anonymous) session after an idle timeout, so the sign-in page can say why.
SESSION_ENDED_KEY = "bersih_session_ended"

# Paths that never need a second factor: static files, the language switch, and the API (which
# authenticates every call itself).
API_PREFIX = "/api/"
OPEN_PREFIXES = ("/static/", "/i18n/", API_PREFIX)
# Pages a signed-in person who still owes the second factor may open.
OPEN_VIEW_NAMES = frozenset(
    {
        "core:login",
        "core:logout",
        "core:otp-verify",
        "core:otp-enrol",
        "core:public-home",
        "core:healthz",
    }
)


def needs_second_factor(user) -> bool:
    """Sensitive roles, and anyone who may open the administration site, need a second factor."""
    from .permissions import roles_of

    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_staff or user.is_superuser or roles_of(user) & policy.SENSITIVE_ROLES)


def is_verified(user) -> bool:
    """True once this session passed the second factor (django-otp's middleware tells)."""
    check = getattr(user, "is_verified", None)
    return bool(check and check())


def _resolve(request: HttpRequest):
    try:
        return resolve(request.path_info)
    except Resolver404:
        return None


def is_public_path(request: HttpRequest) -> bool:
    """Pages anyone may open: Django's ``login_not_required`` marks them (sign-in, reset, public pages)."""
    if request.path_info.startswith(OPEN_PREFIXES):
        return True
    match = _resolve(request)
    if match is None:
        return True  # nothing there: let it answer 404
    return match.view_name in {"core:public-home", "core:healthz"} or (
        getattr(match.func, "login_required", True) is False
    )


def open_without_second_factor(request: HttpRequest) -> bool:
    if is_public_path(request):
        return True
    match = _resolve(request)
    return match is not None and match.view_name in OPEN_VIEW_NAMES


def _end_idle_session(request: HttpRequest) -> HttpResponse | None:
    """Sign the person out, say why on the sign-in page, and send staff pages there."""
    request.bersih_signout_reason = "idle"
    logout(request)
    request.session[SESSION_ENDED_KEY] = True
    request.session_expired = True
    if is_public_path(request):
        return None
    return redirect_to_login(request.get_full_path(), reverse(settings.LOGIN_URL))


def guard_staff_session(request: HttpRequest) -> HttpResponse | None:
    """End a staff session idle for longer than ``STAFF_IDLE_TIMEOUT``; otherwise renew its clock.

    A person in a sensitive role who has not passed the second factor in this session is sent to
    verify it (or to enrol an authenticator first) before any staff page.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    now = time.time()
    last_seen = request.session.get(LAST_SEEN_KEY)
    if last_seen is not None and now - last_seen > settings.STAFF_IDLE_TIMEOUT.total_seconds():
        return _end_idle_session(request)
    request.session[LAST_SEEN_KEY] = now
    if needs_second_factor(user) and not is_verified(user):
        if request.path_info.startswith(API_PREFIX):
            # The API has its own authentication; a half-finished staff session is anonymous there.
            request.user = AnonymousUser()
        elif not open_without_second_factor(request):
            return redirect_to_second_factor(request)
    return None


def redirect_to_second_factor(request: HttpRequest) -> HttpResponse:
    from django_otp import user_has_device

    target = "core:otp-verify" if user_has_device(request.user, confirmed=True) else "core:otp-enrol"
    return redirect_to_login(request.get_full_path(), reverse(target))


# --- Signal seams: each receiver only hands the event to its service --------------------------------


@receiver(user_logged_in, dispatch_uid="bersih.core.signed_in")
def _on_signed_in(sender, request, user, **kwargs):
    from . import services

    services.sign_in_record_success(request=request, user=user)


@receiver(user_login_failed, dispatch_uid="bersih.core.sign_in_failed")
def _on_sign_in_failed(sender, credentials, request=None, **kwargs):
    from . import services

    services.sign_in_record_failure(request=request, username=credentials.get("username"))


@receiver(user_locked_out, dispatch_uid="bersih.core.locked_out")
def _on_locked_out(sender, request, username, **kwargs):
    from . import services

    services.sign_in_record_lockout(request=request, username=username)


@receiver(user_logged_out, dispatch_uid="bersih.core.signed_out")
def _on_signed_out(sender, request, user, **kwargs):
    from . import services

    reason = getattr(request, "bersih_signout_reason", "signed_out")
    services.sign_out_record(request=request, user=user, reason=reason)

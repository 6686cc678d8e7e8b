from functools import partial

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from .navigation import tiles_for


def public_home(request: HttpRequest) -> HttpResponse:
    """Citizens' front door: track a service by its number, the catalogue, complaints and surveys."""
    return render(request, "core/public_home.html")


@login_required
def staff_home(request: HttpRequest) -> HttpResponse:
    """A tile for every module the person's roles open (modules register them in core.navigation)."""
    # Evaluated while the page renders, after the shell's context processor has read the person's
    # roles once, so the tiles' permission checks cost no further query.
    tiles = partial(tiles_for, request.user, request.path)
    return render(request, "core/staff_home.html", {"tiles": tiles})


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for the load balancer: the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def lockout_response(request, credentials, *args, **kwargs) -> HttpResponse:
    """What django-axes answers while an account is locked out (AXES_LOCKOUT_CALLABLE)."""
    return render(
        request,
        "core/locked_out.html",
        {"message": _("Too many failed sign-in attempts. Try again in 10 minutes.")},
        status=429,
    )

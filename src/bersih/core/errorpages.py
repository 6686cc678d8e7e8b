"""Error pages in the shell: 500 without any request context, 429 with Retry-After, CSRF refusals.

400, 403 and 404 use Django's own handlers with the shell's ``400.html``, ``403.html`` and ``404.html``.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext as _

from .errors import problem, wants_problem_json

logger = logging.getLogger(__name__)

# What a 500 answers if even the template cannot be drawn (a broken template, a missing file).
PLAIN_500 = (
    "<!doctype html><html lang='id'><head><meta charset='utf-8'><title>500</title></head><body>"
    "<h1>Terjadi kesalahan / Server error</h1>"
    "<p>Silakan coba lagi beberapa menit lagi. / Please try again in a few minutes.</p></body></html>"
)


def server_error(request: HttpRequest, template_name: str = "500.html") -> HttpResponse:
    """handler500: draws ``500.html`` from settings alone, never the database or context processors.

    The request that failed may have failed because the database is down, so nothing here reads it.
    """
    if request is not None and wants_problem_json(request):
        return problem(500, "server-error", _("Server error"))
    try:
        body = loader.get_template(template_name).render({"polres_name": settings.POLRES_NAME})
    except Exception:
        logger.exception("the 500 page could not be rendered")
        body = PLAIN_500
    return HttpResponseServerError(body)


def too_many_requests(request: HttpRequest, *, retry_after: int | None = None) -> HttpResponse:
    """A 429 for pages and the API alike, telling the caller when to try again."""
    if wants_problem_json(request):
        response = problem(429, "too-many-requests", _("Too many requests"), _("Please wait and try again."))
    else:
        response = render(request, "429.html", {"retry_after": retry_after}, status=429)
    if retry_after:
        response["Retry-After"] = str(int(retry_after))
    return response


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: an expired or foreign form gets the shell's 403 page, not Django's."""
    return render(request, "403.html", {"csrf_failure": True}, status=403)

"""RFC 9457 problem details: the one error shape of the API (and of refusals outside it)."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _

PROBLEM_BASE = "https://bersih.polri.go.id/problems/"
PROBLEM_CONTENT_TYPE = "application/problem+json"


def problem(status: int, type_: str, title: str, detail: str = "", **extra) -> JsonResponse:
    """A problem+json response; ``type_`` is a stable slug under ``PROBLEM_BASE``."""
    body = {"type": PROBLEM_BASE + type_, "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update(extra)
    return JsonResponse(
        body, status=status, content_type=PROBLEM_CONTENT_TYPE, json_dumps_params={"ensure_ascii": False}
    )


def wants_problem_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/") or "json" in request.headers.get("Accept", "")


def too_large_response(request: HttpRequest, limit: int):
    detail = _("The request body is larger than %(limit)d bytes.") % {"limit": limit}
    if wants_problem_json(request):
        return problem(413, "payload-too-large", _("Request too large"), detail)
    from django.http import HttpResponse

    return HttpResponse(detail, status=413, content_type="text/plain; charset=utf-8")

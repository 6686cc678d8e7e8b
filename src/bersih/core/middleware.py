"""Request-wide guards: body size, staff sessions (idle timeout, second factor), security headers."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class RequestSizeLimitMiddleware:
    """Refuse a body larger than ``MAX_REQUEST_BYTES`` before any view reads it (413)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = getattr(request, "max_body_bytes", None) or settings.MAX_REQUEST_BYTES
        if length > limit:
            from .errors import too_large_response

            return too_large_response(request, limit)
        return self.get_response(request)


class StaffSessionMiddleware:
    """Idle timeout for staff and the second factor for sensitive roles (see core.auth)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from .auth import guard_staff_session

        refusal = guard_staff_session(request)
        if refusal is not None:
            return refusal
        return self.get_response(request)


class ContentSecurityPolicyMiddleware:
    """Every page may load only its own origin's scripts, styles and images."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Permissions-Policy", "camera=(self), microphone=(), geolocation=(self)")
        return response

"""The page language: Bahasa Indonesia unless the person chose English with the language switch.

Django's own LocaleMiddleware follows the browser's Accept-Language, which would serve English to
the many phones in Indonesia set up in English. Here only the switch's choice (its cookie) counts on
pages; the API, whose callers are programs that say what they want, follows Accept-Language.
"""

from __future__ import annotations

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.cache import patch_vary_headers


def chosen_language(request) -> str:
    """The language set with the switch, if it is one we offer; otherwise the default (Indonesian)."""
    code = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if code:
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            pass
    if request.path.startswith("/api/"):
        return translation.get_language_from_request(request)
    return settings.LANGUAGE_CODE


class LanguageMiddleware(LocaleMiddleware):
    def process_request(self, request):
        translation.activate(chosen_language(request))
        request.LANGUAGE_CODE = translation.get_language()

    def process_response(self, request, response):
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", translation.get_language())
        return response

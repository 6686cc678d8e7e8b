"""The browsable API docs work offline: Swagger UI from our own static files, under our CSP."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_api_docs_render_from_our_origin_only(page):
    origin = urlsplit(page.base).netloc
    foreign, csp_violations = [], []
    page.on("request", lambda r: urlsplit(r.url).netloc not in ("", origin) and foreign.append(r.url))
    page.on("console", lambda m: "Content Security Policy" in m.text and csp_violations.append(m.text))
    page.goto(page.base + "/api/v1/docs")
    page.get_by_text("/api/v1/core/units/{code}").wait_for()
    assert page.get_by_text("Bersih API").first.is_visible()
    assert not foreign
    # Swagger UI may set inline styles (blocked by the CSP, harmless); it must never need an inline script.
    assert not [v for v in csp_violations if "script" in v.lower()]

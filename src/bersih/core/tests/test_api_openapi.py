"""The API describes itself: a valid OpenAPI 3 document and browsable docs that need no other origin."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders
from openapi_spec_validator import validate

pytestmark = pytest.mark.django_db


def test_openapi_document_validates_as_openapi_3(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    validate(spec)
    assert spec["openapi"].startswith("3.")
    assert {"/api/v1/core/me", "/api/v1/core/units", "/api/v1/core/units/{code}"} <= set(spec["paths"])


def test_openapi_declares_both_ways_to_authenticate_and_the_problem_answers(client):
    spec = client.get("/api/v1/openapi.json").json()
    schemes = spec["components"]["securitySchemes"]
    assert schemes["ApiKeyBearer"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "bsk_<prefix>_<secret>",
        "description": "An API key issued to a machine client, sent as a bearer token.",
    }
    assert schemes["ApiKeyInHeader"]["in"] == "header" and schemes["ApiKeyInHeader"]["name"] == "X-Api-Key"
    assert schemes["StaffSession"]["in"] == "cookie"
    units = spec["paths"]["/api/v1/core/units"]["get"]
    assert {"ApiKeyBearer": []} in units["security"] and {"StaffSession": []} in units["security"]
    problem = units["responses"]["401"]["content"]["application/problem+json"]["schema"]
    assert problem == {"$ref": "#/components/schemas/Problem"}
    assert "`core:read`" in units["description"]
    names = {p["name"] for p in units["parameters"]}
    assert {"limit", "offset", "kind", "parent", "ordering"} <= names


def test_docs_page_loads_nothing_from_another_origin(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)""", html)
    for ref in re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)""", html):
        assert ref.startswith("/"), ref
        assert not ref.startswith("//"), ref
    assert not re.search(r"https?://", html)
    assert "<script>" not in html.replace(" ", "")  # no inline script: the CSP allows only our own files
    for asset in ("ninja/swagger-ui-bundle.js", "ninja/swagger-ui-init.js", "ninja/swagger-ui.css"):
        assert finders.find(asset), asset
    assert '"validatorUrl": null' in html  # Swagger UI would otherwise call a public validator

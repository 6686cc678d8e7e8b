"""The JSON API at /api/v1/: one NinjaAPI, one router per module (see core.api for conventions)."""

from ninja import NinjaAPI

api = NinjaAPI(
    title="Bersih API",
    version="1.0.0",
    description="Public-service platform of the Polres: API for staff sessions and machine clients.",
    urls_namespace="api",
)

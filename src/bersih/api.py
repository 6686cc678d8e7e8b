"""The JSON API at /api/v1/: one NinjaAPI, one router per module (see core.api for conventions)."""

from bersih.core.api import BersihAPI

api = BersihAPI(
    title="Bersih API",
    version="1.0.0",
    description="Public-service platform of the Polres: API for staff sessions and machine clients.",
    urls_namespace="api",
)

api.add_router("/core/", "bersih.core.api.router")
api.add_router("/etle/", "bersih.etle.api.router")
api.add_router("/licensing/", "bersih.licensing.api.router")
api.add_router("/open-data/", "bersih.services.api.router")

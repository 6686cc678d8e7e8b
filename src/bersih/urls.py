from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from .api import api

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("ledger/", include("bersih.ledger.urls")),
    path("outbox/", include("bersih.notify.urls")),
    path("documents/", include("bersih.documents.urls")),
    path("etle/", include("bersih.etle.urls")),
    path("sim/", include("bersih.licensing.urls")),
    path("layanan/", include("bersih.services.urls")),
    path("lacak/", include("bersih.services.urls_tracking")),
    path("open311/v2/", include("bersih.services.urls_open311")),
    path("integritas/", include("bersih.integrity.urls")),
    path("peradilan/", include("bersih.justice.urls")),
    path("anak/", include("bersih.children.urls")),
    path("pembangunan/", include("bersih.development.urls")),
    path("", include("bersih.core.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# The 500 page is drawn from settings alone: the failure may be the database itself.
handler500 = "bersih.core.errorpages.server_error"

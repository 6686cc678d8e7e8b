from django.urls import path

from . import views

app_name = "etle"
urlpatterns = [
    path("staf/tinjau/", views.review_queue, name="review-queue"),
    path("staf/tinjau/pengawasan/", views.review_oversight, name="review-oversight"),
    path("staf/tinjau/<str:tracking>/", views.review_case, name="review-case"),
    path("staf/tinjau/<str:tracking>/<str:act>/", views.review_decide, name="review-decide"),
    path("staf/blokir/", views.blocks, name="blocks"),
    path("staf/blokir/unduh/", views.blocks_download, name="blocks-download"),
    path("staf/blokir/<str:tracking>/buka/", views.block_lift, name="block-lift"),
    path("staf/dasbor/", views.dashboard, name="dashboard"),
    path("staf/gambar/<str:tracking>/<int:image_id>/", views.evidence_image, name="evidence-image"),
]

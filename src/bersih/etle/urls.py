from django.urls import path

from . import views

app_name = "etle"
urlpatterns = [
    path("", views.confirm_start, name="confirm-start"),
    path("kasus/", views.confirm_case, name="confirm-case"),
    path("kasus/foto/<str:sha256>/", views.confirm_picture, name="confirm-picture"),
    path("kasus/jawab/<str:answer>/", views.confirm_answer, name="confirm-answer"),
    path("kasus/bayar/<str:route>/", views.confirm_route, name="confirm-route"),
    path("staf/sanggahan/", views.dispute_queue, name="dispute-queue"),
    path("staf/sanggahan/<str:tracking>/", views.dispute_case, name="dispute-case"),
    path("staf/sanggahan/<str:tracking>/putuskan/", views.dispute_decide, name="dispute-decide"),
    path(
        "staf/sanggahan/<str:tracking>/berkas/<int:upload_id>/", views.dispute_upload, name="dispute-upload"
    ),
    path("staf/tinjau/", views.review_queue, name="review-queue"),
    path("staf/tinjau/pengawasan/", views.review_oversight, name="review-oversight"),
    path("staf/tinjau/<str:tracking>/", views.review_case, name="review-case"),
    path("staf/tinjau/<str:tracking>/<str:act>/", views.review_decide, name="review-decide"),
    path("staf/gambar/<str:tracking>/<int:image_id>/", views.evidence_image, name="evidence-image"),
]

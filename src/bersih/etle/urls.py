from django.urls import path

from . import views

app_name = "etle"
urlpatterns = [
    path("staf/tinjau/", views.review_queue, name="review-queue"),
    path("staf/tinjau/pengawasan/", views.review_oversight, name="review-oversight"),
    path("staf/tinjau/<str:tracking>/", views.review_case, name="review-case"),
    path("staf/tinjau/<str:tracking>/<str:act>/", views.review_decide, name="review-decide"),
    path("staf/gambar/<str:tracking>/<int:image_id>/", views.evidence_image, name="evidence-image"),
    path("staf/pembayaran/", views.payments, name="payments"),
    path("staf/pembayaran/rekonsiliasi/", views.reconciliation, name="reconciliation"),
    path("staf/pembayaran/rekonsiliasi/<int:run_id>/", views.reconciliation_run, name="reconciliation-run"),
    path("staf/putusan/<str:tracking>/", views.verdict, name="verdict"),
    path("staf/pengembalian/<int:refund_id>/bayar/", views.refund_pay, name="refund-pay"),
]

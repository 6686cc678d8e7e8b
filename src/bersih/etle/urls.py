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
    path("staf/blokir/", views.blocks, name="blocks"),
    path("staf/blokir/unduh/", views.blocks_download, name="blocks-download"),
    path("staf/blokir/<str:tracking>/buka/", views.block_lift, name="block-lift"),
    path("staf/dasbor/", views.dashboard, name="dashboard"),
    path("staf/gambar/<str:tracking>/<int:image_id>/", views.evidence_image, name="evidence-image"),
    path("staf/perkara/<str:tracking>/", views.staff_case, name="staff-case"),
    path("staf/surat/<str:tracking>/", views.letter_pdf, name="letter-pdf"),
    path("staf/alamat-salah/", views.wrong_address, name="wrong-address"),
    path("staf/alamat-salah/<str:tracking>/", views.wrong_address_case, name="wrong-address-case"),
    path("staf/alamat-salah/<str:tracking>/<str:act>/", views.wrong_address_act, name="wrong-address-act"),
    path("staf/pembayaran/", views.payments, name="payments"),
    path("staf/pembayaran/rekonsiliasi/", views.reconciliation, name="reconciliation"),
    path("staf/pembayaran/rekonsiliasi/<int:run_id>/", views.reconciliation_run, name="reconciliation-run"),
    path("staf/putusan/<str:tracking>/", views.verdict, name="verdict"),
    path("staf/pengembalian/<int:refund_id>/bayar/", views.refund_pay, name="refund-pay"),
]

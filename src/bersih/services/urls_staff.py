"""Sipmas routes: staff (included by urls.py under the services namespace)."""

from django.urls import path

from . import staff_views

urlpatterns: list = [
    path("staf/kasus/", staff_views.cases, name="cases"),
    path("staf/terlambat/", staff_views.late, name="late"),
    path("staf/kasus/<str:tracking>/", staff_views.case, name="case"),
    path("staf/kasus/<str:tracking>/langkah/", staff_views.case_step, name="case-step"),
    path("staf/kasus/<str:tracking>/catatan/", staff_views.case_note, name="case-note"),
    path("staf/kasus/<str:tracking>/tugaskan/", staff_views.case_assign, name="case-assign"),
    path("staf/kasus/<str:tracking>/identitas/", staff_views.case_identity, name="case-identity"),
    path("staf/kasus/<str:tracking>/berkas/<int:attachment_id>/", staff_views.case_file, name="case-file"),
    path("produk/<str:code>/", staff_views.case_product, name="case-product"),
]

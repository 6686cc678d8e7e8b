"""Sipmas routes: complaints (included by urls.py under the services namespace)."""

from django.urls import path

from . import complaints_views

urlpatterns: list = [
    path("pengaduan/", complaints_views.complaint_form, name="complaint-form"),
    path("pengaduan/selesai/", complaints_views.complaint_done, name="complaint-done"),
    path("pengaduan/selesai/bukti.txt", complaints_views.complaint_slip, name="complaint-slip"),
]

"""Sipmas routes: transparency (included by urls.py under the services namespace)."""

from django.urls import path

from . import transparency_views

urlpatterns: list = [
    path("transparansi/", transparency_views.transparency, name="transparency"),
]

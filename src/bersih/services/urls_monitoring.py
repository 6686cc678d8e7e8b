"""Sipmas routes: monitoring (included by urls.py under the services namespace)."""

from django.urls import path

from . import monitoring_views

urlpatterns: list = [
    path("pimpinan/", monitoring_views.monitor, name="monitor"),
    path("pimpinan/rincian/", monitoring_views.monitor_items, name="monitor-items"),
]

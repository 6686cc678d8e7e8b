"""Sipmas routes: monitoring (included by urls.py under the services namespace)."""

urlpatterns: list = []

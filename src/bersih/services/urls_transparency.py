"""Sipmas routes: transparency (included by urls.py under the services namespace)."""

urlpatterns: list = []

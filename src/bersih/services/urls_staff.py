"""Sipmas routes: staff (included by urls.py under the services namespace)."""

urlpatterns: list = []

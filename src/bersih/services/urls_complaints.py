"""Sipmas routes: complaints (included by urls.py under the services namespace)."""

urlpatterns: list = []

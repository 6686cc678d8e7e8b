"""Sipmas routes: catalogue (included by urls.py under the services namespace)."""

urlpatterns: list = []

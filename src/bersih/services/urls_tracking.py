"""The one tracking page of every module, at /lacak/ (namespace "tracking")."""

from django.urls import path

from . import tracking_views

app_name = "tracking"
urlpatterns: list = [
    path("", tracking_views.lookup, name="lookup"),
    path("balas/", tracking_views.reply, name="reply"),
]

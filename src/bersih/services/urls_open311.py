"""Open311 GeoReport v2 at /open311/v2/ (namespace "open311")."""

from django.urls import re_path

from . import open311_views as views

app_name = "open311"
# Each resource ends in its format, ``.json`` or ``.xml`` (any other answers the spec's 400).
urlpatterns: list = [
    re_path(r"^services\.(?P<fmt>\w+)$", views.services, name="services"),
    re_path(r"^services/(?P<code>[\w-]+)\.(?P<fmt>\w+)$", views.service, name="service"),
    re_path(r"^requests\.(?P<fmt>\w+)$", views.requests, name="requests"),
    re_path(r"^requests/(?P<request_id>[\w-]+)\.(?P<fmt>\w+)$", views.request_detail, name="request"),
    re_path(r"^tokens/(?P<token>[\w-]+)\.(?P<fmt>\w+)$", views.token, name="token"),
    re_path(r"^(?P<path>.*)$", views.not_found),
]

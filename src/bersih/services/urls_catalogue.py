"""Sipmas routes: catalogue (included by urls.py under the services namespace)."""

from django.urls import path

from . import catalogue_views as views

urlpatterns: list = [
    # The public catalogue, each service's standard and the service hall's poster.
    path("", views.catalogue, name="catalogue"),
    path("standar/<slug:code>/", views.standard, name="standard"),
    path("standar/<slug:code>/poster.pdf", views.poster_pdf, name="poster"),
    # Online requests (the receipt first: "selesai" is not a service code).
    path("ajukan/selesai/", views.request_done, name="request-done"),
    path("ajukan/<slug:code>/", views.request_form, name="request-form"),
    # Counter intake by the responsible unit's staff.
    path("staf/loket/", views.counter_home, name="counter-home"),
    path("staf/loket/selesai/", views.counter_done, name="counter-done"),
    path("staf/loket/<slug:code>/", views.counter_intake, name="counter-intake"),
]

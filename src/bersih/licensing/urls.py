from django.urls import path

from . import views

app_name = "licensing"
urlpatterns: list = [
    # Statistics and integrity signals
    path("staf/statistik/", views.statistics_page, name="statistics"),
    path("staf/statistik/csv/", views.statistics_csv, name="statistics-csv"),
    path("staf/integritas/", views.integrity_page, name="integrity"),
]

from django.urls import path

from . import views

app_name = "ledger"
urlpatterns = [
    path("", views.entry_list, name="entries"),
    path("subject/<str:subject_type>/<str:subject_id>/", views.subject_history, name="subject-history"),
]

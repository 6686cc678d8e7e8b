from django.urls import path, re_path

from . import views

app_name = "ledger"
urlpatterns = [
    path("", views.entry_list, name="entries"),
    re_path(
        r"^checkpoints/(?P<pk>[0-9]+)\.(?P<fmt>json|pdf)$", views.checkpoint_export, name="checkpoint-export"
    ),
    path("subject/<str:subject_type>/<str:subject_id>/", views.subject_history, name="subject-history"),
]

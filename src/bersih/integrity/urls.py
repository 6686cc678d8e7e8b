from django.urls import path

from . import views

app_name = "integrity"
urlpatterns = [
    path("survei/terima-kasih/", views.survey_done, name="survey-done"),
    path("survei/layanan/<slug:service>/<slug:unit>/", views.survey_walk_in, name="survey-walk-in"),
    path("survei/<str:token>/", views.survey_invited, name="survey"),
    path("ikm/", views.ikm_public, name="ikm"),
]

from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

app_name = "core"
urlpatterns = [
    path("", views.public_home, name="public-home"),
    path("staf/", views.staff_home, name="staff-home"),
    path("masuk/", auth_views.LoginView.as_view(template_name="core/login.html"), name="login"),
    path("keluar/", auth_views.LogoutView.as_view(), name="logout"),
    path("healthz", views.healthz, name="healthz"),
]

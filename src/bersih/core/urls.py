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
    path("staf/api-klien/", views.apiclient_list, name="apiclient-list"),
    path("staf/api-klien/baru/", views.apiclient_create, name="apiclient-create"),
    path("staf/api-klien/<int:pk>/", views.apiclient_detail, name="apiclient-detail"),
    path("staf/api-klien/<int:pk>/aktif/", views.apiclient_set_active, name="apiclient-set-active"),
    path("staf/api-klien/<int:pk>/kunci/", views.apikey_issue, name="apikey-issue"),
    path("staf/api-klien/<int:pk>/kunci/<str:prefix>/rotasi/", views.apikey_rotate, name="apikey-rotate"),
    path("staf/api-klien/<int:pk>/kunci/<str:prefix>/cabut/", views.apikey_revoke, name="apikey-revoke"),
]

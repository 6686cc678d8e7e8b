from django.urls import path

from . import views

app_name = "core"
urlpatterns = [
    path("", views.public_home, name="public-home"),
    path("staf/", views.staff_home, name="staff-home"),
    path("masuk/", views.SignInView.as_view(), name="login"),
    path("masuk/otp/", views.otp_verify, name="otp-verify"),
    path("masuk/otp/daftar/", views.otp_enrol, name="otp-enrol"),
    path("masuk/otp/cadangan/", views.otp_backup_codes, name="otp-backup-codes"),
    path("masuk/reset/", views.ResetRequestView.as_view(), name="password-reset"),
    path("masuk/reset/terkirim/", views.ResetDoneView.as_view(), name="password-reset-done"),
    path("masuk/reset/<uidb64>/<token>/", views.ResetConfirmView.as_view(), name="password-reset-confirm"),
    path("masuk/reset/selesai/", views.ResetCompleteView.as_view(), name="password-reset-complete"),
    path("keluar/", views.SignOutView.as_view(), name="logout"),
    path("healthz", views.healthz, name="healthz"),
    path("staf/api-klien/", views.apiclient_list, name="apiclient-list"),
    path("staf/api-klien/baru/", views.apiclient_create, name="apiclient-create"),
    path("staf/api-klien/<int:pk>/", views.apiclient_detail, name="apiclient-detail"),
    path("staf/api-klien/<int:pk>/aktif/", views.apiclient_set_active, name="apiclient-set-active"),
    path("staf/api-klien/<int:pk>/kunci/", views.apikey_issue, name="apikey-issue"),
    path("staf/api-klien/<int:pk>/kunci/<str:prefix>/rotasi/", views.apikey_rotate, name="apikey-rotate"),
    path("staf/api-klien/<int:pk>/kunci/<str:prefix>/cabut/", views.apikey_revoke, name="apikey-revoke"),
]

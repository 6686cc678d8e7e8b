from django.urls import path

from . import views

app_name = "notify"
urlpatterns = [
    path("", views.outbox, name="outbox"),
    path("pesan/<uuid:ref>/", views.message_detail, name="message"),
    path("pesan/<uuid:ref>/kirim-ulang/", views.message_retry, name="retry"),
    path("pos/", views.post_room, name="post"),
    path("pos/<uuid:ref>/<str:name>", views.batch_file, name="batch-file"),
    path("webhooks/whatsapp", views.whatsapp_webhook, name="whatsapp-webhook"),
]

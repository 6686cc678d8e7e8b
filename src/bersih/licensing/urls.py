from django.urls import path

from . import views

app_name = "licensing"
urlpatterns = [
    # The hall's display board (public: the TV in the waiting hall) and its live stream.
    path("papan/<slug:unit_code>/", views.board, name="board"),
    path("papan/<slug:unit_code>/stream", views.board_stream, name="board-stream"),
    # The applicant's phone page (the QR on the ticket) and its refresh.
    path("tiket/<str:token>/", views.ticket_phone, name="ticket-phone"),
    path("tiket/<str:token>/status", views.ticket_phone_status, name="ticket-phone-status"),
]

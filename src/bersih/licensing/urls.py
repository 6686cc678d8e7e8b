from django.urls import path

from . import board_views, counter_views, views

app_name = "licensing"
urlpatterns = [
    # Getting a ticket: the hall's kiosk, check-in, the priority lane, online booking.
    path("kios/", views.kiosk_home, name="kiosk-home"),
    path("kios/check-in/", views.kiosk_checkin_home, name="kiosk-checkin-home"),
    path("kios/<slug:unit>/", views.kiosk, name="kiosk"),
    path("kios/<slug:unit>/check-in/", views.kiosk_checkin, name="kiosk-checkin"),
    path("kios/<slug:unit>/tiket/<str:token>/", views.kiosk_ticket, name="kiosk-ticket"),
    path(
        "kios/<slug:unit>/tiket/<str:token>/cetak/", views.kiosk_ticket_reprint, name="kiosk-ticket-reprint"
    ),
    path("kios/<slug:unit>/tiket/<str:token>/pdf/", views.kiosk_ticket_pdf, name="kiosk-ticket-pdf"),
    path("staf/prioritas/", views.priority_home, name="priority-home"),
    path("staf/prioritas/<slug:unit>/", views.priority, name="priority"),
    path("daftar/", views.booking, name="booking"),
    path("daftar/selesai/", views.booking_done, name="booking-done"),
    # The hall's display board (public: the TV in the waiting hall) and its live stream.
    path("papan/<slug:unit_code>/", board_views.board, name="board"),
    path("papan/<slug:unit_code>/stream", board_views.board_stream, name="board-stream"),
    # The applicant's phone page (the QR on the ticket) and its refresh.
    path("tiket/<str:token>/", board_views.ticket_phone, name="ticket-phone"),
    path("tiket/<str:token>/status", board_views.ticket_phone_status, name="ticket-phone-status"),
    # At the counter, and the supervisors' shifts and lines
    path("staf/loket/", counter_views.counter, name="counter"),
    path("staf/loket/panggil/", counter_views.counter_call, name="counter-call"),
    path("staf/loket/<int:entry_id>/<str:act>/", counter_views.counter_act, name="counter-act"),
    path("staf/shift/", counter_views.shifts, name="shifts"),
    path("staf/antrian/", counter_views.lines, name="lines"),
    path("staf/antrian/<int:entry_id>/layani/", counter_views.line_override, name="line-override"),
    # Statistics and integrity signals
    path("staf/statistik/", views.statistics_page, name="statistics"),
    path("staf/statistik/csv/", views.statistics_csv, name="statistics-csv"),
    path("staf/integritas/", views.integrity_page, name="integrity"),
]

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path

from . import views
from .models import Ticket

app_name = "licensing"


def ticket_phone_placeholder(request, token):
    """PLACEHOLDER until the applicant's phone page is merged: only makes the name reversible."""
    return HttpResponse(get_object_or_404(Ticket, public_token=token).label, content_type="text/plain")


urlpatterns = [
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
    path("antrean/<str:token>/", ticket_phone_placeholder, name="ticket-phone"),
    # Statistics and integrity signals
    path("staf/statistik/", views.statistics_page, name="statistics"),
    path("staf/statistik/csv/", views.statistics_csv, name="statistics-csv"),
    path("staf/integritas/", views.integrity_page, name="integrity"),
]

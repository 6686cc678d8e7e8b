"""The kiosk's ticket on paper: an ESC/POS thermal printer (python-escpos), network or USB.

``LICENSING_TICKET_PRINTER`` names the printer: ``tcp://192.168.1.50:9100`` (a network printer,
port 9100 when omitted) or ``usb://04b8:0e15`` (a USB printer's vendor and product id, hexadecimal).
Empty: no printer, and the ticket page offers its print view and PDF instead. Printing never fails the
ticket: the ticket is issued first, and a printer that cannot be reached is reported on the page.
"""

from __future__ import annotations

import contextlib
import io
import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from . import rules

logger = logging.getLogger(__name__)

# Connecting to and writing to a network printer gives up after this many seconds: the applicant waits.
PRINTER_TIMEOUT_SECONDS = 5
# 58 mm paper prints 32 characters a line in font A, 80 mm paper 48.
LINE_WIDTH = 32


class PrinterError(Exception):
    """The printer is not configured correctly or could not be reached."""


@dataclass(frozen=True)
class PrinterAddress:
    kind: str  # "tcp" or "usb"
    host: str = ""
    port: int = 9100
    vendor: int = 0
    product: int = 0


def printer_address(value: str | None = None) -> PrinterAddress | None:
    """The configured printer, or None when there is none; PrinterError for a malformed setting."""
    value = (getattr(settings, "LICENSING_TICKET_PRINTER", "") if value is None else value).strip()
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme == "tcp" and parts.hostname:
        try:
            port = parts.port or 9100
        except ValueError as exc:
            raise PrinterError(f"bad printer port in {value!r}") from exc
        return PrinterAddress("tcp", host=parts.hostname, port=port)
    if parts.scheme == "usb":
        ids = (parts.netloc + parts.path).strip("/").split(":")
        try:
            vendor, product = (int(part, 16) for part in ids)
        except ValueError as exc:
            raise PrinterError(
                f"a USB printer is usb://VENDOR:PRODUCT in hexadecimal, not {value!r}"
            ) from exc
        return PrinterAddress("usb", vendor=vendor, product=product)
    raise PrinterError(
        f"LICENSING_TICKET_PRINTER must be tcp://HOST:PORT or usb://VENDOR:PRODUCT, not {value!r}"
    )


def pungli_report() -> str:
    """Where to report an illegal levy (pungutan liar): the setting, or this installation's site."""
    return str(getattr(settings, "LICENSING_PUNGLI_REPORT", "") or f"{settings.SITE_URL}/layanan/")


@dataclass(frozen=True)
class TicketSlip:
    """What a printed ticket says, in the page's language (Indonesian at the kiosk unless switched)."""

    satpas: str
    label: str
    service: str
    stage: str
    issued: str
    phone_url: str
    heading: str
    scan_hint: str
    no_fee: str
    report: str

    @classmethod
    def for_ticket(cls, ticket, phone_url: str) -> TicketSlip:
        application = ticket.application
        sim_class = rules.SIM_CLASSES[application.sim_class]
        return cls(
            satpas=ticket.unit.name,
            label=ticket.label,
            service=f"{rules.SERVICE_KINDS[application.service]} - SIM {sim_class}",
            stage=str(rules.STAGES[ticket.stage]),
            issued=date_format(timezone.localtime(ticket.issued_at), "d-m-Y H:i"),
            phone_url=phone_url,
            heading=_("Queue number"),
            scan_hint=_("Scan to see your place in the line"),
            no_fee=_("No fee besides the PNBP."),
            report=_("Report illegal levies (pungli): %(where)s") % {"where": pungli_report()},
        )


def slip_bytes(slip: TicketSlip) -> bytes:
    """The ESC/POS bytes of the slip: composed once, sent to whichever printer is configured."""
    from escpos.printer import Dummy

    printer = Dummy()
    printer.set(align="center", bold=True)
    printer.text(f"{slip.satpas}\n")
    printer.set(align="center", normal_textsize=True)
    printer.text(f"{slip.heading}\n")
    printer.set(align="center", bold=True, custom_size=True, width=4, height=4)
    printer.text(f"{slip.label}\n")
    printer.set(align="center", normal_textsize=True)
    printer.text(f"{slip.service}\n{slip.stage}\n{slip.issued} WIB\n")
    printer.qr(slip.phone_url, native=True, size=6, center=False)
    printer.text(f"{slip.scan_hint}\n")
    printer.set(align="center", bold=True)
    printer.text(f"{slip.no_fee}\n")
    printer.set(align="center", normal_textsize=True)
    printer.text(f"{slip.report}\n")
    printer.cut()
    return printer.output


def _open(address: PrinterAddress):
    from escpos.printer import Network, Usb

    if address.kind == "tcp":
        printer = Network(address.host, port=address.port, timeout=PRINTER_TIMEOUT_SECONDS)
    else:
        printer = Usb(address.vendor, address.product)
    printer.open()
    return printer


def ticket_print(ticket, phone_url: str, *, address: PrinterAddress | None = None) -> bool:
    """Print ``ticket``; False when no printer is configured. PrinterError when printing failed."""
    try:
        address = address or printer_address()
    except PrinterError:
        logger.exception("the ticket printer setting is malformed")
        raise
    if address is None:
        return False
    data = slip_bytes(TicketSlip.for_ticket(ticket, phone_url))
    printer = None
    try:
        printer = _open(address)
        printer._raw(data)
    except Exception as exc:
        logger.warning("ticket %s not printed: %s", ticket.label, exc)
        raise PrinterError(str(exc)) from exc
    finally:
        if printer is not None:
            with contextlib.suppress(Exception):  # closing a broken connection
                printer.close()
    return True


# --- The fallback: a PDF sized for the receipt roll ------------------------------------------------


def ticket_pdf(slip: TicketSlip, *, width_mm: int = 80) -> bytes:
    """The slip as a one-page PDF on a receipt-roll page (58 or 80 mm wide)."""
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    from bersih.documents.pdf import QrDrawing

    width = width_mm * mm
    height = 150 * mm
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=(width, height))
    page.setTitle(f"{slip.satpas} {slip.label}")
    centre = width / 2
    y = height - 10 * mm
    page.setFont("Helvetica-Bold", 9)
    page.drawCentredString(centre, y, slip.satpas)
    y -= 7 * mm
    page.setFont("Helvetica", 8)
    page.drawCentredString(centre, y, slip.heading)
    y -= 16 * mm
    page.setFont("Helvetica-Bold", 40 if width_mm >= 80 else 30)
    page.drawCentredString(centre, y, slip.label)
    y -= 8 * mm
    page.setFont("Helvetica", 8)
    for line in (slip.service, slip.stage, f"{slip.issued} WIB"):
        page.drawCentredString(centre, y, line)
        y -= 4.5 * mm
    qr_size = 36 * mm
    QrDrawing(slip.phone_url, size=qr_size).draw(page, centre - qr_size / 2, y - qr_size)
    y -= qr_size + 5 * mm
    page.drawCentredString(centre, y, slip.scan_hint)
    y -= 6 * mm
    page.setFont("Helvetica-Bold", 8)
    page.drawCentredString(centre, y, slip.no_fee)
    y -= 4.5 * mm
    page.setFont("Helvetica", 7)
    page.drawCentredString(centre, y, slip.report)
    page.showPage()
    page.save()
    return buffer.getvalue()

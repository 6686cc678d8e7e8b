"""The thermal printer: ESC/POS bytes sent to a real TCP socket, and the fallback when it fails."""

from __future__ import annotations

import socket
import threading
import zlib

import pytest
from django.urls import reverse

from bersih.core.testing import sign_in
from bersih.licensing import printing
from bersih.licensing.models import Application, Ticket
from bersih.licensing.testing import nik_for

pytestmark = pytest.mark.django_db

QR_STORE = b"\x1d(k"  # GS ( k: the native QR code commands (store, size, error level, print)


class PrinterServer:
    """A one-connection-at-a-time TCP server on localhost that keeps every byte it is sent."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.sock.settimeout(10)
        self.port = self.sock.getsockname()[1]
        self.received: list[bytes] = []
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        try:
            connection, _ = self.sock.accept()
        except OSError:
            return
        chunks = []
        with connection:
            connection.settimeout(10)
            while True:
                try:
                    chunk = connection.recv(65536)
                except OSError:
                    break
                if not chunk:
                    break
                chunks.append(chunk)
        self.received.append(b"".join(chunks))
        self.done.set()

    def close(self):
        self.sock.close()
        self.thread.join(timeout=5)


@pytest.fixture
def printer_server():
    server = PrinterServer()
    yield server
    server.close()


def pdf_text(body: bytes) -> bytes:
    """The page's drawing operators (ReportLab compresses the content stream)."""
    start = body.index(b"stream\n", body.index(b"/FlateDecode")) + len(b"stream\n")
    return zlib.decompress(body[start : body.index(b"endstream", start)])


def free_port() -> int:
    """A local port nobody listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def walk_in(client, sim, n=1):
    return client.post(
        reverse("licensing:kiosk", kwargs={"unit": sim.unit.code}),
        {
            "service": "new",
            "sim_class": "A",
            "nik": nik_for(n),
            "full_name": f"Pemohon {n}",
            "birth_date": "1990-05-17",
            "phone": "",
        },
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", None),
        ("tcp://192.168.1.50:9100", printing.PrinterAddress("tcp", host="192.168.1.50", port=9100)),
        ("tcp://printer.local", printing.PrinterAddress("tcp", host="printer.local", port=9100)),
        ("usb://04b8:0e15", printing.PrinterAddress("usb", vendor=0x04B8, product=0x0E15)),
    ],
)
def test_printer_setting_is_read(value, expected):
    assert printing.printer_address(value) == expected


@pytest.mark.parametrize("value", ["192.168.1.50", "lpt://1", "usb://epson", "tcp://host:99999"])
def test_malformed_printer_setting_is_refused(value):
    with pytest.raises(printing.PrinterError):
        printing.printer_address(value)


def test_kiosk_prints_the_ticket_over_escpos(client, sim, settings, printer_server):
    settings.LICENSING_TICKET_PRINTER = f"tcp://127.0.0.1:{printer_server.port}"
    settings.LICENSING_PUNGLI_REPORT = "Propam 0800-1-110-110"
    sign_in(client, sim.clerks["registration"])
    response = walk_in(client, sim)
    assert printer_server.done.wait(10)
    ticket = Ticket.objects.get()
    assert response["Location"].endswith("?cetak=ok")
    (data,) = printer_server.received
    assert data.startswith(b"\x1b")  # ESC/POS commands, not text
    assert b"A-001" in data
    assert sim.unit.name.encode() in data
    # The phone page's address is stored in the printer's QR symbol (GS ( k ... 1 P 0 <data>) and printed.
    phone_url = "http://testserver" + reverse("licensing:ticket-phone", kwargs={"token": ticket.public_token})
    store = QR_STORE + (len(phone_url) + 3).to_bytes(2, "little") + b"1P0" + phone_url.encode()
    assert store in data
    assert QR_STORE + b"\x03\x001Q0" in data
    # The page's language is Indonesian: the slip too.
    assert b"Tidak ada biaya di luar PNBP." in data
    assert b"Laporkan pungli: Propam 0800-1-110-110" in data
    assert data.endswith(b"\x1dV\x00")  # the cut
    page = client.get(response["Location"]).content.decode()
    assert "data-print" not in page  # printed: no fallback offered


def test_unreachable_printer_still_issues_the_ticket_with_the_fallback(client, sim, settings):
    settings.LICENSING_TICKET_PRINTER = f"tcp://127.0.0.1:{free_port()}"
    sign_in(client, sim.clerks["registration"])
    response = walk_in(client, sim)
    assert response.status_code == 302
    assert response["Location"].endswith("?cetak=failed")
    ticket = Ticket.objects.get()
    assert ticket.application.status == Application.ACTIVE
    assert ticket.state == Ticket.WAITING
    page = client.get(response["Location"])
    assert page.status_code == 200
    content = page.content.decode()
    assert "Printer tiket tidak menjawab" in content
    assert "data-print" in content
    assert reverse(
        "licensing:kiosk-ticket-pdf", kwargs={"unit": sim.unit.code, "token": ticket.public_token}
    ) in (content)
    # Trying again once the printer is back prints the same ticket; nothing new is issued.
    server = PrinterServer()
    try:
        settings.LICENSING_TICKET_PRINTER = f"tcp://127.0.0.1:{server.port}"
        url = reverse(
            "licensing:kiosk-ticket-reprint", kwargs={"unit": sim.unit.code, "token": ticket.public_token}
        )
        again = client.post(url)
        assert again["Location"].endswith("?cetak=ok")
        assert server.done.wait(10)
        assert b"A-001" in server.received[0]
    finally:
        server.close()
    assert Ticket.objects.count() == 1


def test_malformed_printer_setting_falls_back_without_an_error_page(client, sim, settings):
    settings.LICENSING_TICKET_PRINTER = "lpt://1"
    sign_in(client, sim.clerks["registration"])
    response = walk_in(client, sim)
    assert response["Location"].endswith("?cetak=failed")
    assert Ticket.objects.count() == 1


def test_pdf_of_a_58mm_roll(client, sim, settings, walk_in):
    settings.LICENSING_TICKET_PAPER_MM = 58
    ticket = walk_in(1)
    sign_in(client, sim.clerks["registration"])
    url = reverse("licensing:kiosk-ticket-pdf", kwargs={"unit": sim.unit.code, "token": ticket.public_token})
    body = client.get(url).content
    assert b"/MediaBox [ 0 0 164.4094" in body
    text = pdf_text(body)
    assert b"(A-001) Tj" in text
    assert b"(Tidak ada biaya di luar PNBP.) Tj" in text

"""The hall's display board shows a new call without a reload, from its live stream."""

import time
from datetime import date

import pytest

from bersih.ledger.services import SYSTEM
from bersih.licensing import board_views as views
from bersih.licensing import services
from bersih.licensing.models import LineEntry
from bersih.licensing.testing import nik_for, satpas

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_board_shows_and_announces_a_call_without_reloading(page, org, make_user, monkeypatch):
    # Short connections: the board reconnects (with Last-Event-ID) several times during the test, and
    # no stream outlives it on the shared test server.
    monkeypatch.setattr(views, "STREAM_LIFETIME_SECONDS_WSGI", 1.5)
    sim = satpas(org.bks_satpas, make_user)
    tickets = []
    for n in range(3):
        application = services.application_register(
            actor=SYSTEM,
            unit=sim.unit,
            nik=nik_for(n),
            full_name=f"Pemohon {n}",
            birth_date=date(1990, 5, 17),
            service="new",
            sim_class="C",
        )
        tickets.append(services.ticket_issue(actor=SYSTEM, application=application))
    counter = sim.counters["registration"]

    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(page.base + f"/sim/papan/{sim.unit.code}/")
    serving = page.locator(f'[data-counter="{counter.number}"] [data-role="serving"]')
    assert serving.inner_text() == "—"
    assert page.locator('[data-stage="registration"] .board-stage__number').all_inner_texts() == [
        t.label for t in tickets
    ]
    page.wait_for_selector('#board[data-connected="true"]')
    page.evaluate("window.boardMarker = 'same page'")

    services.line_call_next(actor=sim.clerks["registration"], counter=counter)

    page.wait_for_function(
        "([selector, label]) => document.querySelector(selector).textContent === label",
        arg=[f'[data-counter="{counter.number}"] [data-role="serving"]', tickets[0].label],
    )
    # The call is announced in words on the screen (and spoken), and the next numbers moved up.
    announce = page.locator("#board-announce")
    assert announce.inner_text() == f"Nomor antrian {tickets[0].label}, silakan ke loket {counter.number}"
    page.wait_for_function(
        "() => document.querySelectorAll('[data-stage=\"registration\"] .board-stage__number').length === 2"
    )
    assert page.evaluate("window.boardMarker") == "same page"  # no reload happened

    # A call made while the board is between two connections arrives too.
    services.line_finish(actor=sim.clerks["registration"], entry=LineEntry.objects.get(state="called"))
    time.sleep(1.6)
    services.line_call_next(actor=sim.clerks["registration"], counter=counter)
    page.wait_for_function(
        "label => document.getElementById('board-announce').textContent.indexOf(label) > -1",
        arg=tickets[1].label,
    )
    assert page.evaluate("window.boardMarker") == "same page"
    page.goto("about:blank")
    time.sleep(2)  # the last stream ends before the next test uses the server

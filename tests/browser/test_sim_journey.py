"""The SIM queue end to end in three browsers: the kiosk issues a number, a clerk calls it at the
counter screen, and the hall's board shows it without reloading."""

import time

import pytest

from bersih.core.testing import TEST_PASSWORD
from bersih.licensing import board_views
from bersih.licensing.models import LineEntry, Ticket
from bersih.licensing.testing import nik_for, satpas

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, username):
    page.goto(page.base + "/masuk/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("form [type=submit]")
    page.wait_for_url("**/staf/")


def new_page(browser, base, viewport):
    context = browser.new_context(viewport=viewport, locale="id-ID")
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.base = base
    return page


def test_kiosk_ticket_is_called_at_the_counter_and_shown_on_the_board(
    browser, page, org, make_user, monkeypatch
):
    monkeypatch.setattr(board_views, "STREAM_LIFETIME_SECONDS_WSGI", 1.5)
    sim = satpas(org.bks_satpas, make_user)
    make_user("kios-aula", "counter_clerk", sim.unit)
    counter = sim.counters["registration"]
    clerk_page = new_page(browser, page.base, {"width": 1280, "height": 800})
    board_page = new_page(browser, page.base, {"width": 1280, "height": 720})

    # The hall's board is open before anyone takes a number.
    board_page.goto(board_page.base + f"/sim/papan/{sim.unit.code}/")
    board_page.wait_for_selector('#board[data-connected="true"]')
    board_page.evaluate("window.boardMarker = 'same page'")

    # The applicant takes a number at the kiosk (the kiosk is signed in as a Satpas account).
    sign_in(page, "kios-aula")
    page.goto(page.base + f"/sim/kios/{sim.unit.code}/")
    page.click("label.kiosk-choice__option:has(input[name=service][value=new])")
    page.click("label.kiosk-choice__option:has(input[name=sim_class][value=C])")
    page.fill("input[name=nik]", nik_for(3))
    page.fill("input[name=full_name]", "Siti Rahmawati")
    page.fill("input[name=birth_date]", "1990-05-17")
    page.click("form.kiosk-form [type=submit]")
    page.wait_for_selector("#slip-number")
    label = page.inner_text("#slip-number")
    ticket = Ticket.objects.get(unit=sim.unit)
    assert label == ticket.label == "A-001"

    # The board lists it as next in the registration line.
    board_page.wait_for_function(
        "label => [...document.querySelectorAll('[data-stage=\"registration\"] .board-stage__number')]"
        ".some(el => el.textContent === label)",
        arg=label,
    )

    # The clerk on the registration counter calls the next number from the counter screen.
    sign_in(clerk_page, sim.clerks["registration"].username)
    clerk_page.goto(clerk_page.base + "/sim/staf/loket/")
    clerk_page.click("form[action$='/sim/staf/loket/panggil/'] [type=submit]")
    clerk_page.wait_for_selector(f"text={label}")
    assert LineEntry.objects.get(ticket=ticket).state == LineEntry.CALLED

    # The board shows and announces the call without reloading.
    board_page.wait_for_function(
        "([selector, label]) => document.querySelector(selector).textContent === label",
        arg=[f'[data-counter="{counter.number}"] [data-role="serving"]', label],
    )
    assert (
        board_page.inner_text("#board-announce")
        == f"Nomor antrian {label}, silakan ke loket {counter.number}"
    )
    assert board_page.evaluate("window.boardMarker") == "same page"
    board_page.goto("about:blank")
    time.sleep(2)  # the board's last stream ends before the next test uses the server
    for extra in (clerk_page, board_page):
        extra.context.close()

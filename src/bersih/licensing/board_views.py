"""The hall's display board, its live stream, and the applicant's phone page.

The board's stream is server-sent events: the ``BoardEvent`` rows after the client's last event id,
read from the database every ``STREAM_POLL_SECONDS`` (the app runs several workers, so no process
holds the feed in memory). Under the ASGI server (``bersih serve``) the response is an async
generator whose reads run through ``sync_to_async``, so a waiting board holds no worker thread; under
a WSGI server (the development server) it is a plain generator with a shorter life. Either way a
connection ends after a bounded time and the browser's ``EventSource`` reconnects by itself, sending
``Last-Event-ID``, so it misses nothing.
"""

from __future__ import annotations

import asyncio
import json
import time

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.handlers.asgi import ASGIRequest
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from bersih.core import ratelimit
from bersih.core.errorpages import too_many_requests
from bersih.core.models import Unit

from . import rules, selectors, services
from .forms import NearNotifyForm
from .models import Counter, Ticket

# The stream: how often it reads the feed, how often it says it is alive, how long one connection lives.
STREAM_POLL_SECONDS = 0.5
STREAM_HEARTBEAT_SECONDS = 15
STREAM_LIFETIME_SECONDS = 300
STREAM_LIFETIME_SECONDS_WSGI = 60  # a development server's thread is held the whole time
STREAM_RETRY_MS = 2000
# An event older than this when it reaches the board is shown, not spoken (a board coming back after
# a long outage must not read out the last hour's calls).
SPEAK_WITHIN_SECONDS = 60
# Without JavaScript the board reloads itself this often.
BOARD_REFRESH_SECONDS = 15
PHONE_REFRESH_SECONDS = 30
NEAR_REQUEST_LIMIT = 10  # requests per address and hour
# A hall's boards reconnect every few minutes; far more connections from one address is a loop or abuse.
STREAM_CONNECTS_PER_MINUTE = 60


def _satpas(unit_code: str) -> Unit:
    """An active unit with counters (a Satpas); 404 otherwise."""
    unit = get_object_or_404(Unit, code=unit_code, active=True)
    if not Counter.objects.filter(unit=unit, active=True).exists():
        raise Http404
    return unit


# --- The board ----------------------------------------------------------------------------------


@never_cache
@require_GET
def board(request: HttpRequest, unit_code: str) -> HttpResponse:
    """The TV in the waiting hall: the number at each counter and the next numbers per stage."""
    unit = _satpas(unit_code)
    state = selectors.board_state(unit)
    return render(
        request,
        "licensing/board.html",
        {
            "unit": unit,
            "state": state,
            "refresh_seconds": BOARD_REFRESH_SECONDS,
        },
    )


def _last_event_id(request: HttpRequest) -> int | None:
    raw = request.headers.get("Last-Event-ID") or request.GET.get("last") or ""
    raw = raw.strip()
    return int(raw) if raw.isdigit() and len(raw) < 19 else None


def _sse(data: dict, *, event: str, event_id: int | None = None) -> str:
    lines = []
    if event_id is not None:
        lines.append(f"id: {event_id}")
    lines.append(f"event: {event}")
    lines.append("data: " + json.dumps(data, cls=DjangoJSONEncoder, separators=(",", ":")))
    return "\n".join(lines) + "\n\n"


def _release_connection() -> None:
    """Hand the database connection back between two reads of the feed (to the pool, on PostgreSQL):
    a board waiting for minutes must not hold one of its worker's few connections."""
    if not connection.in_atomic_block:
        connection.close()


class BoardFeed:
    """What one connection sends: the unit's events after ``last``, then the fresh board state.

    Its reads are synchronous; the async stream calls them through ``sync_to_async``."""

    def __init__(self, unit: Unit, last: int | None, language: str):
        self.unit, self.last, self.language = unit, last, language

    def opening(self) -> str:
        with translation.override(self.language):
            if self.last is None:
                self.last = selectors.board_last_event_id(self.unit.pk)
            state = selectors.board_state(self.unit).as_data()
        _release_connection()
        return f"retry: {STREAM_RETRY_MS}\n\n" + _sse(state, event="state")

    def poll(self) -> str:
        """The new events and the state after them, or "" when nothing happened."""
        try:
            return self._poll()
        finally:
            _release_connection()

    def _poll(self) -> str:
        with translation.override(self.language):
            events = selectors.board_events_after(self.unit.pk, self.last)
            if not events:
                return ""
            now = timezone.now()
            chunks = []
            for item in events:
                item["speak"] = item["calls"] and (now - item["at"]).total_seconds() <= SPEAK_WITHIN_SECONDS
                chunks.append(_sse(item, event="board", event_id=item["id"]))
                self.last = item["id"]
            chunks.append(_sse(selectors.board_state(self.unit).as_data(), event="state"))
        return "".join(chunks)


def stream_sync(feed: BoardFeed, lifetime: float, poll: float | None = None):
    """The stream for a WSGI server: a generator that sleeps between reads."""
    poll = STREAM_POLL_SECONDS if poll is None else poll
    yield feed.opening()
    deadline = time.monotonic() + lifetime
    quiet_since = time.monotonic()
    while time.monotonic() < deadline:
        chunk = feed.poll()
        if chunk:
            quiet_since = time.monotonic()
            yield chunk
        elif time.monotonic() - quiet_since >= STREAM_HEARTBEAT_SECONDS:
            quiet_since = time.monotonic()
            yield ": heartbeat\n\n"
        time.sleep(poll)


async def stream_async(feed: BoardFeed, lifetime: float, poll: float | None = None):
    """The stream for the ASGI server: reads in a thread, waits on the event loop."""
    poll = STREAM_POLL_SECONDS if poll is None else poll
    yield await sync_to_async(feed.opening)()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + lifetime
    quiet_since = loop.time()
    while loop.time() < deadline:
        chunk = await sync_to_async(feed.poll)()
        if chunk:
            quiet_since = loop.time()
            yield chunk
        elif loop.time() - quiet_since >= STREAM_HEARTBEAT_SECONDS:
            quiet_since = loop.time()
            yield ": heartbeat\n\n"
        await asyncio.sleep(poll)


@require_GET
def board_stream(request: HttpRequest, unit_code: str) -> HttpResponse:
    """Server-sent events for the board: each ``BoardEvent`` after ``Last-Event-ID`` (or ``?last=``),
    with its id, then the board's state; heartbeat comments while the hall is quiet."""
    address = ratelimit.client_ip(request)
    allowed = ratelimit.hit(f"licensing:board-stream:{address}", limit=STREAM_CONNECTS_PER_MINUTE, window=60)
    if not allowed.allowed:  # a client reconnecting in a loop; EventSource retries after the pause
        return too_many_requests(request, retry_after=allowed.retry_after)
    unit = _satpas(unit_code)
    feed = BoardFeed(unit, _last_event_id(request), translation.get_language() or settings.LANGUAGE_CODE)
    if isinstance(request, ASGIRequest):
        content = stream_async(feed, STREAM_LIFETIME_SECONDS)
    else:
        content = stream_sync(feed, STREAM_LIFETIME_SECONDS_WSGI)
    response = StreamingHttpResponse(content, content_type="text/event-stream; charset=utf-8")
    response["Cache-Control"] = "no-cache, no-store"
    response["X-Accel-Buffering"] = "no"  # a reverse proxy must pass each event on at once
    return response


# --- The applicant's phone page -----------------------------------------------------------------


def _ticket(token: str) -> Ticket:
    ticket = Ticket.objects.select_related("unit").filter(public_token=token).first()
    if ticket is None:
        raise Http404
    return ticket


def _phone_texts(position: selectors.TicketPosition) -> dict:
    """The phone page's words for a position (the page and its refresh share them)."""
    if position.state == "called":
        headline = _("Please go to counter %(counter)s now") % {"counter": position.counter}
    elif position.state == "waiting":
        headline = _("Waiting for your turn")
    elif position.state == "payment":
        headline = _("Pay the fee into your virtual account or by QRIS")
    else:
        headline = position.state_label.capitalize()
    wait = ""
    if position.wait_minutes is not None:
        wait = (
            _("You are next")
            if position.places_ahead == 0
            else _("about %(n)d minutes") % {"n": position.wait_minutes}
        )
    return {"headline": headline, "wait": wait}


@never_cache
@require_http_methods(["GET", "POST"])
def ticket_phone(request: HttpRequest, token: str) -> HttpResponse:
    """The applicant's page for one ticket (its QR is on the printed ticket): the number, the stage,
    the places ahead and the estimated wait; never the applicant's name or NIK."""
    ticket = _ticket(token)
    form = NearNotifyForm(request.POST or None)
    status = 200
    if request.method == "POST":
        address = ratelimit.client_ip(request)
        allowed = ratelimit.hit(f"licensing:near:{address}", limit=NEAR_REQUEST_LIMIT, window=3600)
        if not allowed.allowed:
            return too_many_requests(request, retry_after=allowed.retry_after)
        if form.is_valid():
            try:
                services.ticket_notify_near_request(
                    ticket=ticket,
                    channel=form.cleaned_data["channel"],
                    recipient=form.cleaned_data["recipient"],
                    client_address=address,
                )
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    for name, errors in exc.message_dict.items():
                        form.add_error(name if name in form.fields else None, errors)
                else:
                    form.add_error(None, exc.messages)
            else:
                messages.success(
                    request,
                    _("We will send you a message when %(n)d places are left before you.")
                    % {"n": rules.NEAR_PLACES},
                )
                return redirect("licensing:ticket-phone", token=ticket.public_token)
        status = 400
    position = selectors.ticket_position(ticket)
    return render(
        request,
        "licensing/ticket_phone.html",
        {
            "ticket": ticket,
            "unit": ticket.unit,
            "position": position,
            "texts": _phone_texts(position),
            "form": form,
            "can_request": position.open and not ticket.near_channel,
            "near_places": rules.NEAR_PLACES,
            "refresh_seconds": PHONE_REFRESH_SECONDS,
        },
        status=status,
    )


@never_cache
@require_GET
def ticket_phone_status(request: HttpRequest, token: str) -> JsonResponse:
    """The phone page's position as JSON, for its script to refresh it."""
    ticket = _ticket(token)
    position = selectors.ticket_position(ticket)
    return JsonResponse({**position.as_data(), **_phone_texts(position)})

"""A Satpas day replayed quickly through the real services, on a simulated clock.

``simulate_day`` walks a day's events in time order: applicants arriving (walk-ins at the kiosk, online
bookings checking in), counters calling the head of their stage's line, service times per stage, the
bank settling fees, and what goes wrong on a real day: a few applicants who do not come when called
(three recalls, then the back of the line once), a few sent back to an earlier stage, failed tests, a
supervisor's override with its reason. Every step is the service a person would trigger, given the
simulated moment as ``now=``, so the line, the board feed, the ledger and the statistics hold exactly
what a real day would leave. Deterministic from its seed.

It also plants the integrity signals oversight should find: one phone number used by several
applicants (a broker's sign), one clerk whose services are abnormally short, and an applicant whose
ticket expired and who was issued a second one the same day.

Used by ``bersih licensing simulate`` and the demo; ``check_day`` verifies a day's consistency and
the order of every stage's calls.
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections import Counter as Tally
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone

from bersih.ledger.services import SYSTEM

from . import rules, services
from .models import Application, Counter, CounterShift, FeePayment, LineEntry, Ticket

# The demo Satpas's counters: (stage, how many). The tests' stages have more than one seat because a
# test takes longer than a check; the payment stage has no counter (the bank serves it).
LAYOUT = [
    ("registration", 2),
    ("documents", 2),
    ("theory", 3),
    ("practical", 2),
    ("biometrics", 1),
    ("printing", 1),
    ("handover", 1),
]

# Service time per stage in seconds: (low, high) of a uniform draw.
SERVICE_SECONDS = {
    "registration": (120, 300),
    "documents": (150, 330),
    "theory": (660, 1080),
    "practical": (420, 720),
    "biometrics": (90, 210),
    "printing": (45, 120),
    "handover": (30, 90),
}
# The clerk with abnormally short services does their stage in this many seconds (under the rule).
SHORT_SECONDS = (25, 50)

# Shares of the day's applicants.
SERVICE_MIX = [("renewal", 0.62), ("new", 0.30), ("upgrade", 0.08)]
CLASS_MIX = [("C", 0.55), ("A", 0.35), ("B1", 0.04), ("D", 0.03), ("C1", 0.03)]
ONLINE_SHARE = 0.3
PRIORITY_SHARE = 0.05
NO_SHOW_SHARE = 0.03
FAIL_SHARE = {"theory": 0.12, "practical": 0.08}
SEND_BACK_SHARE = 0.03
# (from stage, to stage, reason): what a clerk writes when sending someone back.
SEND_BACKS = [
    ("documents", "registration", "Surat keterangan sehat belum diunggah; lengkapi di loket pendaftaran."),
    ("printing", "biometrics", "Foto buram pada pratinjau cetak; ambil ulang foto."),
]
OVERRIDE_REASONS = [
    "Pemohon penyandang disabilitas belum ditandai prioritas saat registrasi; dilayani lebih dahulu.",
    "Pemohon lansia merasa tidak enak badan di ruang tunggu; didahulukan atas izin Kasatpas.",
]
SHARED_PHONE = "+6281299990077"
SHARED_PHONE_USERS = 4

DAY_OPENS = time(7, 30)
LAST_ARRIVAL = time(13, 30)
COUNTERS_OPEN = time(8, 0)
COUNTERS_CLOSE = time(17, 0)


@dataclass
class Applicant:
    n: int
    arrival: datetime
    nik: str
    name: str
    birth_date: date
    service: str
    sim_class: str
    phone: str
    online: bool = False
    priority: str = ""
    # How many times they are called before they come (0: at once); above the recalls, they expire.
    absent_calls: int = 0
    fail_at: str = ""
    send_back: tuple | None = None
    reissue: bool = False
    ticket: Ticket | None = None
    payment_at: datetime | None = None


@dataclass
class SimulatedCounter:
    counter: Counter
    clerk: object
    busy: bool = False
    short: bool = False


@dataclass
class DayReport:
    day: date
    unit_id: int = 0
    arrived: int = 0
    tickets: int = 0
    calls: int = 0
    finished: Tally = field(default_factory=Tally)
    outcomes: Tally = field(default_factory=Tally)
    overrides: int = 0
    no_shows: int = 0
    send_backs: int = 0
    payments: int = 0
    refused: list = field(default_factory=list)

    def lines(self) -> list[str]:
        tickets = Ticket.objects.filter(unit_id=self.unit_id, day=self.day)
        states = Tally(tickets.values_list("state", flat=True))
        return [
            f"{self.day}: {self.arrived} applicants arrived, {self.tickets} tickets issued, "
            f"{self.calls} calls",
            "tickets: " + ", ".join(f"{state} {count}" for state, count in sorted(states.items())),
            f"fees paid {self.payments}, no-shows {self.no_shows}, sent back {self.send_backs}, "
            f"out-of-order serves {self.overrides}, failed tests {self.outcomes['failed']}",
        ]


def _weighted(rng: random.Random, mix: list[tuple[str, float]]) -> str:
    return rng.choices([k for k, _ in mix], weights=[w for _, w in mix])[0]


def _at(day: date, moment: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, moment))


def _nik(rng: random.Random, birth: date, female: bool, used: set[str]) -> str:
    while True:
        district = rng.randint(1, 12)
        day = birth.day + (40 if female else 0)
        nik = f"3275{district:02d}{day:02d}{birth:%m%y}{rng.randint(1, 9999):04d}"
        if (
            nik not in used
            and not Application.objects.filter(nik=nik, status__in=Application.LIVE_STATUSES).exists()
        ):
            used.add(nik)
            return nik


def _arrivals(rng: random.Random, start: datetime, end: datetime, count: int) -> list[datetime]:
    """Arrival moments: most in the morning (a triangular draw leaning to the start)."""
    span = (end - start).total_seconds()
    moments = sorted(start + timedelta(seconds=rng.triangular(0, span, span * 0.25)) for _ in range(count))
    return moments


def make_applicants(
    rng: random.Random, day: date, start: datetime, end: datetime, count: int, faker=None
) -> list[Applicant]:
    used: set[str] = set()
    people = []
    for n, arrival in enumerate(_arrivals(rng, start, end, count)):
        service = _weighted(rng, SERVICE_MIX)
        sim_class = _weighted(rng, CLASS_MIX)
        priority = ""
        if rng.random() < PRIORITY_SHARE:
            priority = rng.choice(list(rules.PRIORITY_REASONS))
        age = rng.randint(61, 72) if priority == "elderly" else rng.randint(24, 58)
        birth = date(day.year - age, rng.randint(1, 12), rng.randint(1, 28))
        female = priority == "pregnant" or rng.random() < 0.4
        if faker is not None:
            name = faker.name_female() if female else faker.name_male()
        else:
            name = f"Pemohon {day:%d%m} {n + 1}"
        person = Applicant(
            n=n,
            arrival=arrival,
            nik=_nik(rng, birth, female, used),
            name=name,
            birth_date=birth,
            service=service,
            sim_class=sim_class,
            phone=f"+62812{rng.randint(10_000_000, 99_999_999)}",
            online=rng.random() < ONLINE_SHARE,
            priority=priority,
        )
        if rng.random() < NO_SHOW_SHARE:
            person.absent_calls = rng.choice([1, 2])  # 1: back of the line, then served; 2: expires
        stages = rules.stages_for(service)
        for stage, share in FAIL_SHARE.items():
            if stage in stages and not person.fail_at and rng.random() < share:
                person.fail_at = stage
        if rng.random() < SEND_BACK_SHARE:
            person.send_back = rng.choice(SEND_BACKS)
        people.append(person)
    # A broker's sign: one phone number given by several applicants.
    for person in people[3 : 3 + SHARED_PHONE_USERS * 7 : 7]:
        person.phone = SHARED_PHONE
    # One applicant who misses every call, expires, and is issued a second ticket later the same day.
    if len(people) > 10:
        marked = people[len(people) // 5]
        marked.absent_calls, marked.reissue, marked.fail_at, marked.priority = 2, True, "", ""
    return people


class DaySimulation:
    """One day's event loop. ``run(until)`` processes events in time order up to ``until``."""

    def __init__(
        self,
        *,
        unit,
        day: date,
        people: list[Applicant],
        seed: int,
        kiosk,
        supervisor,
        short_clerk=None,
        opens: datetime | None = None,
        closes: datetime | None = None,
    ):
        self.unit, self.day, self.people, self.kiosk, self.supervisor = unit, day, people, kiosk, supervisor
        self.rng = random.Random(f"{seed}:{day.isoformat()}:events")
        self.report = DayReport(day=day, unit_id=unit.pk)
        self.events: list = []
        self.order = itertools.count()
        self.waiting: Tally = Tally()
        self.by_ticket: dict[int, Applicant] = {}
        self.counters: dict[str, list[SimulatedCounter]] = defaultdict(list)
        for shift in (
            CounterShift.objects.filter(counter__unit=unit, day=day, counter__active=True)
            .select_related("counter", "clerk")
            .order_by("counter__number")
        ):
            simulated = SimulatedCounter(shift.counter, shift.clerk, short=shift.clerk == short_clerk)
            self.counters[shift.counter.stage].append(simulated)
        self.opens = opens or _at(day, COUNTERS_OPEN)
        # The moments after which the supervisor's overrides happen (one per 100 applicants, up to two).
        overrides = min(len(OVERRIDE_REASONS), max(1, len(people) // 100))
        span = max((people[-1].arrival - self.opens) if people else timedelta(0), timedelta(minutes=30))
        self.override_times = [self.opens + span * (n + 1) / (overrides + 2) for n in range(overrides)]
        self.closes = closes or _at(day, COUNTERS_CLOSE)
        for person in people:
            self.push(person.arrival, self.arrive, person)
        for stage_counters in self.counters.values():
            for simulated in stage_counters:
                simulated.busy = True  # until its first look at the line
                self.push(self.opens, self.counter_free, simulated)

    # --- the event queue --------------------------------------------------------------------------

    def push(self, moment: datetime, handler, *args) -> None:
        heapq.heappush(self.events, (moment, next(self.order), handler, args))

    def run(self, until: datetime | None = None) -> DayReport:
        until = min(until or self.closes, self.closes)
        while self.events and self.events[0][0] <= until:
            moment, _order, handler, args = heapq.heappop(self.events)
            handler(moment, *args)
        return self.report

    def wake(self, stage: str, moment: datetime) -> None:
        self.waiting[stage] += 1
        if stage == rules.PAYMENT_STAGE:
            return
        for simulated in self.counters.get(stage, []):
            if not simulated.busy:
                simulated.busy = True
                self.push(
                    max(moment, self.opens) + timedelta(seconds=self.rng.randint(5, 40)),
                    self.counter_free,
                    simulated,
                )
                return

    # --- applicants -------------------------------------------------------------------------------

    def book(self, person: Applicant) -> Application | None:
        """An online applicant booked the slot of their arrival days before (None: no slot fits)."""
        if self.day.weekday() >= 5:
            return None
        arrival = timezone.localtime(person.arrival)
        for slot in rules.SLOT_STARTS:
            start = _at(self.day, slot)
            opens = start - timedelta(minutes=rules.CHECKIN_EARLY_MINUTES)
            closes = start + timedelta(minutes=rules.SLOT_MINUTES + rules.CHECKIN_LATE_MINUTES)
            if opens <= arrival <= closes:
                booked_at = _at(
                    self.day - timedelta(days=self.rng.randint(1, 6)), time(20, self.rng.randint(0, 59))
                )
                try:
                    return services.application_register(
                        actor=SYSTEM,
                        unit=self.unit,
                        nik=person.nik,
                        full_name=person.name,
                        birth_date=person.birth_date,
                        service=person.service,
                        sim_class=person.sim_class,
                        phone=person.phone,
                        booked_day=self.day,
                        booked_slot=slot,
                        now=booked_at,
                    )
                except ValidationError as exc:
                    if exc.code != "slot_full":
                        raise
        return None

    def arrive(self, moment: datetime, person: Applicant) -> None:
        self.report.arrived += 1
        ticket = None
        if person.online:
            booking = self.book(person)
            if booking is not None:
                ticket = services.application_check_in(
                    actor=SYSTEM, unit=self.unit, tracking_number=booking.tracking_number, now=moment
                )
                if person.priority:
                    ticket = services.ticket_mark_priority(
                        actor=self.kiosk, ticket=ticket, reason=person.priority, now=moment
                    )
        if ticket is None:
            application = services.application_register(
                actor=self.kiosk,
                unit=self.unit,
                nik=person.nik,
                full_name=person.name,
                birth_date=person.birth_date,
                service=person.service,
                sim_class=person.sim_class,
                phone=person.phone,
                now=moment,
            )
            ticket = services.ticket_issue(
                actor=self.kiosk, application=application, priority_reason=person.priority, now=moment
            )
        self.report.tickets += 1
        person.ticket = ticket
        self.by_ticket[ticket.pk] = person
        self.wake(ticket.stage, moment)

    def reissue(self, moment: datetime, person: Applicant) -> None:
        """The applicant whose ticket expired comes back and is given a new one (a signal to review)."""
        person.absent_calls, person.reissue = 0, False
        person.online = False
        self.arrive(moment, person)

    # --- counters ---------------------------------------------------------------------------------

    def counter_free(self, moment: datetime, simulated: SimulatedCounter) -> None:
        stage = simulated.counter.stage
        if self.waiting[stage] <= 0 or moment > self.closes:
            simulated.busy = False
            return
        simulated.busy = True
        entry = self.override(moment, simulated) or services.line_call_next(
            actor=simulated.clerk, counter=simulated.counter, now=moment
        )
        if entry is None:
            self.report.refused.append(f"{moment:%H:%M} {simulated.counter} found the line empty")
            self.waiting[stage] = 0
            simulated.busy = False
            return
        self.waiting[stage] -= 1
        self.report.calls += 1
        person = self.by_ticket[entry.ticket_id]
        if person.absent_calls > 0:
            person.absent_calls -= 1
            for n in range(1, rules.RECALL_LIMIT + 1):
                self.push(moment + timedelta(seconds=60 * n), self.recall, simulated, entry)
            self.push(
                moment + timedelta(seconds=60 * (rules.RECALL_LIMIT + 1)), self.no_show, simulated, entry
            )
            return
        low, high = SHORT_SECONDS if simulated.short else SERVICE_SECONDS[stage]
        self.push(moment + timedelta(seconds=self.rng.randint(low, high)), self.finish, simulated, entry)

    def override(self, moment: datetime, simulated: SimulatedCounter) -> LineEntry | None:
        """Once or twice a day the supervisor serves someone further back first, with a written reason."""
        stage = simulated.counter.stage
        if not self.override_times or moment < self.override_times[0] or self.supervisor is None:
            return None
        if stage in ("registration", "theory", "practical") or self.waiting[stage] < 2:
            return None
        line = list(services.waiting(self.unit.pk, self.day, stage).filter(priority=False)[:3])
        if len(line) < 2:
            return None
        self.override_times.pop(0)
        self.report.overrides += 1
        return services.line_override(
            actor=self.supervisor,
            entry=line[-1],
            counter=simulated.counter,
            reason=OVERRIDE_REASONS[len(self.override_times) % len(OVERRIDE_REASONS)],
            now=moment,
        )

    def recall(self, moment: datetime, simulated: SimulatedCounter, entry: LineEntry) -> None:
        services.line_recall(actor=simulated.clerk, entry=entry, now=moment)

    def no_show(self, moment: datetime, simulated: SimulatedCounter, entry: LineEntry) -> None:
        entry = services.line_no_show(actor=simulated.clerk, entry=entry, now=moment)
        self.report.no_shows += 1
        person = self.by_ticket[entry.ticket_id]
        if entry.state == LineEntry.WAITING:
            self.wake(entry.stage, moment)
        elif person.reissue:
            self.push(moment + timedelta(minutes=self.rng.randint(20, 50)), self.reissue, person)
        self.push(moment + timedelta(seconds=self.rng.randint(10, 40)), self.counter_free, simulated)

    def finish(self, moment: datetime, simulated: SimulatedCounter, entry: LineEntry) -> None:
        person = self.by_ticket[entry.ticket_id]
        stage = entry.stage
        if person.send_back and person.send_back[0] == stage:
            _from, to_stage, reason = person.send_back
            person.send_back = None
            services.line_send_back(
                actor=simulated.clerk, entry=entry, to_stage=to_stage, reason=reason, now=moment
            )
            self.report.send_backs += 1
            self.wake(to_stage, moment)
        else:
            outcome = LineEntry.FAILED if person.fail_at == stage else LineEntry.PASSED
            services.line_finish(actor=simulated.clerk, entry=entry, outcome=outcome, now=moment)
            self.report.finished[stage] += 1
            self.report.outcomes[outcome] += 1
            ticket = Ticket.objects.get(pk=entry.ticket_id)
            if ticket.state == Ticket.WAITING:
                self.wake(ticket.stage, moment)
                if ticket.stage == rules.PAYMENT_STAGE:
                    paid = moment + timedelta(seconds=self.rng.randint(120, 900))
                    self.push(paid, self.pay, person)
        self.push(moment + timedelta(seconds=self.rng.randint(10, 45)), self.counter_free, simulated)

    def pay(self, moment: datetime, person: Applicant) -> None:
        """The bank's callback: the applicant paid by QRIS or into the virtual account."""
        payment = FeePayment.objects.get(application_id=person.ticket.application_id)
        services.fee_payment_settle(
            payment=payment,
            amount=payment.amount,
            bank_reference=f"SIM{payment.va_number}{moment:%H%M%S}",
            channel=self.rng.choice(list(rules.PAYMENT_CHANNELS)),
            now=moment,
        )
        self.report.payments += 1
        self.waiting[rules.PAYMENT_STAGE] -= 1
        ticket = Ticket.objects.get(pk=person.ticket.pk)
        if ticket.state == Ticket.WAITING:
            self.wake(ticket.stage, moment)


# --- Setting up a day ----------------------------------------------------------------------------


def ensure_counters(unit) -> list[Counter]:
    """The Satpas's counters as in ``LAYOUT`` (numbered in stage order), unless it has some already."""
    existing = list(Counter.objects.filter(unit=unit).order_by("number"))
    if existing:
        return existing
    numbers = itertools.count(1)
    return [
        Counter.objects.create(unit=unit, number=next(numbers), stage=stage, name=str(rules.STAGES[stage]))
        for stage, count in LAYOUT
        for _ in range(count)
    ]


def staff_day(unit, day: date, clerks: list, *, supervisor=None) -> list[CounterShift]:
    """Put ``clerks`` on the Satpas's counters that have nobody on ``day`` (in counter order).

    Today and later through the supervisor's service; a past day (a replay) directly, as the record of
    who was there.
    """
    shifts = []
    taken = set(CounterShift.objects.filter(day=day, counter__unit=unit).values_list("clerk_id", flat=True))
    free = iter([clerk for clerk in clerks if clerk.pk not in taken])
    for counter in Counter.objects.filter(unit=unit, active=True).order_by("number"):
        if (
            counter.stage == rules.PAYMENT_STAGE
            or CounterShift.objects.filter(counter=counter, day=day).exists()
        ):
            continue
        clerk = next(free, None)
        if clerk is None:
            break
        if supervisor is not None and day >= timezone.localdate():
            shifts.append(
                services.counter_shift_assign(actor=supervisor, counter=counter, clerk=clerk, day=day)
            )
        else:
            shifts.append(
                CounterShift.objects.create(
                    counter=counter,
                    clerk=clerk,
                    day=day,
                    assigned_by=supervisor,
                    assigned_at=_at(day, time(7)),
                )
            )
    return shifts


def simulate_day(
    *,
    unit,
    day: date,
    applicants: int,
    seed: int,
    kiosk,
    supervisor,
    short_clerk=None,
    start: datetime | None = None,
    end: datetime | None = None,
    until: datetime | None = None,
    faker=None,
) -> DayReport:
    """Replay ``day`` at ``unit``: ``applicants`` arriving between ``start`` and ``end`` (07:30 to
    13:30 by default), served until ``until`` (the counters' closing time by default). The counters'
    shifts for the day must exist (``staff_day``)."""
    rng = random.Random(f"{seed}:{day.isoformat()}")
    start = start or _at(day, DAY_OPENS)
    end = end or _at(day, LAST_ARRIVAL)
    people = make_applicants(rng, day, start, end, applicants, faker=faker)
    simulation = DaySimulation(
        unit=unit,
        day=day,
        people=people,
        seed=seed,
        kiosk=kiosk,
        supervisor=supervisor,
        short_clerk=short_clerk,
        opens=min(start, _at(day, COUNTERS_OPEN)),
        closes=max(until or end, _at(day, COUNTERS_CLOSE)),
    )
    return simulation.run(until)


# --- Checking a day ------------------------------------------------------------------------------


def check_day(unit, day: date) -> list[str]:
    """What is wrong with a day's records (empty when consistent): every ticket closed or standing in
    exactly one line at its current stage, applications matching their tickets, and each stage's
    calls (ledger order) in line order per lane, overrides apart."""
    from bersih.ledger.models import Entry

    problems = []
    tickets = Ticket.objects.filter(unit=unit, day=day).select_related("application")
    open_entries = defaultdict(list)
    for entry in LineEntry.objects.filter(
        unit=unit, day=day, state__in=(LineEntry.WAITING, LineEntry.CALLED)
    ):
        open_entries[entry.ticket_id].append(entry)
    closes = {Ticket.DONE: Application.COMPLETED, Ticket.FAILED: Application.FAILED}
    for ticket in tickets:
        standing = open_entries.get(ticket.pk, [])
        if ticket.state in Ticket.OPEN_STATES:
            if len(standing) != 1 or standing[0].stage != ticket.stage:
                problems.append(f"{ticket.label}: open at {ticket.stage} with {len(standing)} line places")
            elif (standing[0].state == LineEntry.CALLED) != (ticket.state == Ticket.IN_SERVICE):
                problems.append(f"{ticket.label}: ticket {ticket.state}, line place {standing[0].state}")
        else:
            if standing:
                problems.append(f"{ticket.label}: {ticket.state} but still in a line")
            expected = closes.get(ticket.state)
            if expected and ticket.application.status != expected:
                problems.append(f"{ticket.label}: {ticket.state}, application {ticket.application.status}")
    ticket_ids = {str(pk) for pk in tickets.values_list("pk", flat=True)}
    last: dict[tuple[str, str], datetime] = {}
    calls = Entry.objects.filter(action="licensing.line.called", subject_type="licensing.ticket").order_by(
        "seq"
    )
    for seq, subject_id, data in calls.values_list("seq", "subject_id", "data"):
        if subject_id not in ticket_ids:
            continue
        key = (data["stage"], data["lane"])
        entered = datetime.fromisoformat(data["entered_at"])
        if key in last and entered < last[key]:
            problems.append(
                f"call {seq} at {key[0]} ({key[1]}) took a ticket that entered after an earlier one"
            )
        last[key] = entered
    return problems


# --- Who works the simulated day -------------------------------------------------------------------

KIOSK_PREFIX = "kiosk"


def satpas_people(unit, *, create_missing: bool = True) -> tuple[list, object, object]:
    """(counter clerks, kiosk account, supervisor) of the Satpas. The kiosk is the counter-clerk
    account whose username starts with ``kiosk`` (else the first clerk); the supervisor one assigned
    at the Satpas or above it (None: no overrides). With ``create_missing``, clerk accounts without a
    password (``sim-<unit>-<n>``) fill the counters nobody could staff."""
    from bersih.core.models import Assignment, User

    assignments = Assignment.objects.filter(role="counter_clerk", unit=unit).select_related("user")
    people = sorted(
        {a.user for a in assignments if a.user.is_active}, key=lambda u: (len(u.username), u.username)
    )
    kiosk = next((u for u in people if u.username.startswith(KIOSK_PREFIX)), None)
    clerks = [u for u in people if u is not kiosk]
    counters = Counter.objects.filter(unit=unit, active=True).exclude(stage=rules.PAYMENT_STAGE).count()
    if create_missing:
        for n in range(len(clerks) + 1, counters + 1):
            username = f"sim-{unit.code}-{n}"
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User.objects.create(username=username, full_name=f"Petugas Loket {n}")
                user.set_unusable_password()
                user.save(update_fields=["password"])
                Assignment.objects.create(user=user, role="counter_clerk", unit=unit)
            clerks.append(user)
    ancestors = [unit.pk, *unit.ancestors().values_list("pk", flat=True)]
    supervisor = (
        Assignment.objects.filter(role="supervisor", unit_id__in=ancestors)
        .select_related("user")
        .order_by("-unit__path")
        .first()
    )
    return clerks, kiosk or (clerks[0] if clerks else None), supervisor.user if supervisor else None

"""Bulk data for the leadership monitoring's tests and benchmark: valid Sipmas cases across services,
units and weeks (some closed, some open, some breached, some complaints followed up), SIM tickets and
ETLE violations, written with ``bulk_create`` so that 100,000 cases take seconds, not hours."""

from __future__ import annotations

import random
import secrets
from datetime import datetime, timedelta

from django.db import transaction

from bersih.core.tracking import composer

from . import rules
from .models import Case, CaseEvent

BATCH = 2000
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# (service, unit attribute of the test organisation); complaints are handled by Siwas or Propam.
SPREAD = (
    ("skck", "bks_intelkam"),
    ("keramaian", "bks_intelkam"),
    ("sktlk", "bks_spkt"),
    ("lp", "bks_spkt"),
    ("dumas", "bks_siwas"),
    ("dumas", "bks_propam"),
)
CLOSING = {"skck": "issued", "keramaian": "issued", "sktlk": "issued", "lp": "completed", "dumas": "closed"}


def _numbers(prefix: str, year: int, rng: random.Random):
    compose = composer(prefix, year)
    while True:
        number = compose("".join(rng.choice(CROCKFORD) for _ in range(10)))
        if number is not None:
            yield number


def bulk_cases(org, count: int, *, now: datetime, days: int = 180, seed: int = 6) -> int:
    """``count`` cases submitted over the ``days`` before ``now``, spread over services and units: about
    half closed in time, a tenth closed late (escalated), the rest open, some of those past their
    deadline. Complaints about Satlantas or SPKT name the unit complained about."""
    rng = random.Random(seed)
    generators = {code: _numbers(rules.SERVICES[code].prefix, now.year, rng) for code in rules.CASE_SERVICES}
    seen: set[str] = set()
    made = 0
    digest = secrets.token_hex(32)
    while made < count:
        batch, late_closed = [], []
        for n in range(made, min(count, made + BATCH)):
            service, unit_name = SPREAD[n % len(SPREAD)]
            submitted = now - timedelta(days=rng.uniform(0, days))
            standard = rules.SERVICES[service]
            number = next(generators[service])
            while number in seen:
                number = next(generators[service])
            seen.add(number)
            fate = rng.random()
            fields = {
                "tracking_number": number,
                "service": service,
                "unit": getattr(org, unit_name),
                "title": f"Perkara {n}",
                "submitted_at": submitted,
                "updated_at": submitted,
                "secret_digest": digest,
            }
            if service == "dumas":
                category = "misconduct" if unit_name == "bks_propam" else ("pungli", "service_quality")[n % 2]
                fields.update(
                    category=category,
                    privacy=("named", "rahasia", "anonim")[n % 3],
                    complained_unit=org.bks_satlantas if n % 4 else org.bks_spkt,
                )
            if fate < 0.6:  # closed; one in six of them after a breach
                fields.update(
                    status=CLOSING[service],
                    closed_at=min(submitted + timedelta(hours=rng.uniform(0.2, 60)), now),
                )
                if fate < 0.1:
                    late_closed.append(number)
            else:
                step = standard.steps[standard.first_step]
                due = submitted + timedelta(hours=step.clock.amount * (24 if "day" in step.clock.unit else 1))
                fields.update(status=standard.first_step, clock=step.clock.name, due_at=due)
            batch.append(Case(**fields))
        with transaction.atomic():
            created = Case.objects.bulk_create(batch, batch_size=BATCH)
            late = set(late_closed)
            CaseEvent.objects.bulk_create(
                [
                    CaseEvent(
                        case=case,
                        at=case.submitted_at + timedelta(hours=1),
                        kind=CaseEvent.ESCALATED,
                        text=str(rules.ESCALATION_LEVELS[1]),
                        actor_label="system",
                    )
                    for case in created
                    if case.tracking_number in late
                ],
                batch_size=BATCH,
            )
        made += len(batch)
    return made


def bulk_tickets(unit, count: int, *, now: datetime, days: int = 60, seed: int = 7) -> int:
    """``count`` SIM visits at the Satpas ``unit`` over the ``days`` before ``now``: most done within the
    standard, some over it, a few failed."""
    from django.db.models import Max

    from bersih.licensing.models import Application, Ticket

    rng = random.Random(seed)
    numbers = _numbers("SIM", now.year, rng)
    apps, tickets = [], []
    # Numbers go on after those already given (a ticket's number is unique per Satpas and day).
    first = Ticket.objects.filter(unit=unit).aggregate(last=Max("number"))["last"] or 0
    per_day: dict = {}
    for n in range(count):
        issued = now - timedelta(days=rng.uniform(1, days))
        day = issued.date()
        per_day[day] = per_day.get(day, 0) + 1
        minutes = rng.choice((40, 90, 150, 200, 320))
        failed = n % 17 == 0
        apps.append(
            Application(
                unit=unit,
                tracking_number=next(numbers),
                nik=f"3275{first + n:012d}",
                full_name=f"Pemohon {n}",
                birth_date=datetime(1990, 1, 1).date(),
                service="new",
                sim_class="C",
                fee=100_000,
                created_at=issued,
                closed_at=issued + timedelta(minutes=minutes),
                status=Application.FAILED if failed else Application.COMPLETED,
            )
        )
        tickets.append(
            Ticket(
                unit=unit,
                day=day,
                prefix="A",
                number=first + per_day[day],
                public_token=secrets.token_hex(12),
                stage="handover",
                state=Ticket.FAILED if failed else Ticket.DONE,
                issued_at=issued,
                closed_at=issued + timedelta(minutes=minutes),
            )
        )
    with transaction.atomic():
        created = Application.objects.bulk_create(apps, batch_size=BATCH)
        for application, ticket in zip(created, tickets, strict=True):
            ticket.application = application
        Ticket.objects.bulk_create(tickets, batch_size=BATCH)
    return count


def bulk_violations(unit, camera, count: int, *, now: datetime, days: int = 60, seed: int = 8) -> int:
    """``count`` ETLE violations of ``camera`` over the ``days`` before ``now``: some waiting for review,
    the rest decided."""
    from bersih.etle.models import Violation

    rng = random.Random(seed)
    numbers = _numbers("ETLE", now.year, rng)
    rows = []
    for n in range(count):
        captured = now - timedelta(days=rng.uniform(0, days))
        waiting = n % 4 == 0
        rows.append(
            Violation(
                tracking_number=next(numbers),
                reference_code=f"R{seed % 10**5:05d}{n:010d}",
                status=Violation.CAPTURED if waiting else Violation.APPROVED,
                unit=unit,
                camera=camera,
                plate=f"B {1000 + n % 9000} XYZ",
                violation_code="red_light",
                article="Pasal 287 ayat (2) UU 22/2009",
                max_fine=500_000,
                vehicle_class="car",
                first_captured_at=captured,
                last_captured_at=captured,
                confirm_by=(captured + timedelta(days=8)).date(),
                pay_by=(captured + timedelta(days=15)).date(),
                decided_at=None if waiting else captured + timedelta(hours=5),
            )
        )
    Violation.objects.bulk_create(rows, batch_size=BATCH)
    return count

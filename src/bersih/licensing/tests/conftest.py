"""Licensing fixtures: the Bekasi Satpas with a counter per stage and a clerk on each today."""

from __future__ import annotations

from datetime import date

import pytest

from bersih.licensing.testing import nik_for, satpas


@pytest.fixture
def sim(org, make_user):
    return satpas(org.bks_satpas, make_user)


@pytest.fixture
def walk_in(sim):
    """Register a walk-in applicant ``n`` and give them a ticket (``service`` and ``priority`` optional)."""
    from bersih.ledger.services import SYSTEM
    from bersih.licensing import services

    def make(n: int, service: str = "new", sim_class: str = "C", priority: str = "", now=None):
        application = services.application_register(
            actor=SYSTEM,
            unit=sim.unit,
            nik=nik_for(n),
            full_name=f"Pemohon {n}",
            birth_date=date(1990, 5, 17),
            service=service,
            sim_class=sim_class,
            phone=f"+62812000{n:05d}",
            now=now,
        )
        actor = sim.clerks["registration"] if priority else SYSTEM
        return services.ticket_issue(actor=actor, application=application, priority_reason=priority, now=now)

    return make

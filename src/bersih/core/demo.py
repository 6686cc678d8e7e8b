"""The demo world: a synthetic Polres Metro Bekasi, deterministic from a seed, never real people.

``bersih seed_demo`` builds the organisation and staff here, then calls ``seed(world)`` in each app's
``demo.py`` (in INSTALLED_APPS order), so every module adds its own demo data through one command.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from faker import Faker

DEMO_PASSWORD = "bersih-demo-2026"  # noqa: S105 - printed by `make demo`; demo accounts only


@dataclass
class DemoWorld:
    seed: int
    rng: random.Random
    faker: Faker
    units: dict = field(default_factory=dict)  # code -> Unit
    agencies: dict = field(default_factory=dict)  # code -> Agency
    users: dict = field(default_factory=dict)  # username -> User
    logins: list = field(default_factory=list)  # (username, role, where) printed by `make demo`
    log: callable = print


def new_world(seed: int, log=print) -> DemoWorld:
    faker = Faker("id_ID")
    faker.seed_instance(seed)
    return DemoWorld(seed=seed, rng=random.Random(seed), faker=faker, log=log)


def seed(world: DemoWorld) -> None:
    """Organisation and staff (filled in by the foundation's demo builder)."""

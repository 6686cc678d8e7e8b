"""Owner lookup behind one interface, so that a remote registry (ERI / Regident) can replace ours.

``registry().lookup("B 1234 FAB")`` answers a :class:`RegisteredVehicle` or ``None``. The setting
``ETLE_REGISTRY`` names the class to use (default: :class:`LocalRegistry`, the imported table).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class RegisteredVehicle:
    plate: str
    owner_name: str
    owner_address: str
    phone: str
    email: str
    vehicle_class: str
    make: str
    colour: str
    registration_valid_until: date | None
    blocked: bool


class VehicleRegistry:
    """What ETLE needs from a vehicle registry. Plates are given in their canonical form."""

    def lookup(self, plate: str) -> RegisteredVehicle | None:
        raise NotImplementedError

    def lookup_many(self, plates) -> dict[str, RegisteredVehicle]:
        """Several plates at once (a remote registry may batch; the default asks one by one)."""
        found = {}
        for plate in set(plates):
            vehicle = self.lookup(plate)
            if vehicle is not None:
                found[plate] = vehicle
        return found


# The registry record of a vehicle: what a lookup answers and what an import may set.
VEHICLE_FIELDS = [
    "plate",
    "owner_name",
    "owner_address",
    "phone",
    "email",
    "vehicle_class",
    "make",
    "colour",
    "registration_valid_until",
    "blocked",
]


class LocalRegistry(VehicleRegistry):
    """The ``etle.Vehicle`` table, filled by ``bersih etle import-vehicles``."""

    def lookup(self, plate: str) -> RegisteredVehicle | None:
        return self.lookup_many([plate]).get(plate)

    def lookup_many(self, plates) -> dict[str, RegisteredVehicle]:
        from django.db import connections

        from .models import Vehicle

        wanted = sorted({p for p in plates if p})
        found: dict[str, RegisteredVehicle] = {}
        # A plain query (a batch asks for up to 1,000 plates: the ORM's per-value preparation of the
        # IN list cost more than the query), in chunks under every database's parameter limit.
        connection = connections[Vehicle.objects.db]
        quote = connection.ops.quote_name
        columns = ", ".join(quote(Vehicle._meta.get_field(name).column) for name in VEHICLE_FIELDS)
        sql = f"SELECT {columns} FROM {quote(Vehicle._meta.db_table)} WHERE {quote('plate')} IN "  # noqa: S608
        with connection.cursor() as cursor:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                cursor.execute(sql + "(" + ", ".join(["%s"] * len(chunk)) + ")", chunk)
                for values in cursor.fetchall():
                    row = list(values)  # in VEHICLE_FIELDS order, the dataclass's own
                    if isinstance(row[_VALID_UNTIL], str):  # SQLite answers a date as text
                        row[_VALID_UNTIL] = date.fromisoformat(row[_VALID_UNTIL])
                    row[_BLOCKED] = bool(row[_BLOCKED])  # and a boolean as 0 or 1
                    found[row[0]] = RegisteredVehicle(*row)
        return found


_VALID_UNTIL = VEHICLE_FIELDS.index("registration_valid_until")
_BLOCKED = VEHICLE_FIELDS.index("blocked")


def registry() -> VehicleRegistry:
    return import_string(getattr(settings, "ETLE_REGISTRY", "bersih.etle.registry.LocalRegistry"))()

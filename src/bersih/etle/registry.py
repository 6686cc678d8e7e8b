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
        from .models import Vehicle

        wanted = sorted({p for p in plates if p})
        found: dict[str, RegisteredVehicle] = {}
        # Chunks keep the IN list under every database's parameter limit.
        for start in range(0, len(wanted), 500):
            rows = Vehicle.objects.filter(plate__in=wanted[start : start + 500]).values_list(*VEHICLE_FIELDS)
            for row in rows:
                found[row[0]] = RegisteredVehicle(*row)  # VEHICLE_FIELDS is the dataclass's field order
        return found


def registry() -> VehicleRegistry:
    return import_string(getattr(settings, "ETLE_REGISTRY", "bersih.etle.registry.LocalRegistry"))()

"""Demo ETLE: cameras on real roads of Kabupaten Bekasi (approximate positions), a registry of a few
thousand synthetic vehicles (plates ``B nnnn F..``, the Kabupaten Bekasi area letter), and yesterday's
camera events ingested through the same pipeline as the API.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from bersih.core.models import ApiClient
from bersih.ledger.services import SYSTEM

from . import rules, services
from .models import Camera, Capture, Vehicle
from .testing import png_bytes

DEMO_CAMERA_CLIENT = "Kamera ETLE Satlantas (simulasi)"
VEHICLES = 3000
EVENTS = 1200

# (code, name, road, direction, latitude, longitude, speed limit, violations enforced)
DEMO_CAMERAS = [
    (
        "bks-tambun-01",
        "Simpang Pasar Tambun",
        "Jl. Raya Tambun",
        "arah Bekasi",
        "-6.259800",
        "107.057500",
        50,
        ["red_light", "sign", "helmet", "seatbelt"],
    ),
    (
        "bks-cibitung-01",
        "Simpang Cibitung",
        "Jl. Raya Cibitung",
        "arah Cikarang",
        "-6.256000",
        "107.088900",
        50,
        ["red_light", "helmet", "passengers", "seatbelt"],
    ),
    (
        "bks-kalimalang-01",
        "Inspeksi Kalimalang Tambun",
        "Jl. Inspeksi Kalimalang",
        "arah timur",
        "-6.271500",
        "107.064000",
        60,
        ["speed", "wrong_way", "helmet"],
    ),
    (
        "bks-setu-01",
        "Simpang Setu",
        "Jl. Raya Setu",
        "arah Cileungsi",
        "-6.340200",
        "107.032900",
        40,
        ["red_light", "helmet", "headlight"],
    ),
    (
        "bks-babelan-01",
        "Babelan Kota",
        "Jl. Raya Babelan",
        "arah Bekasi",
        "-6.176800",
        "107.030100",
        40,
        ["helmet", "passengers", "sign"],
    ),
    (
        "bks-jababeka-01",
        "Jababeka Raya",
        "Jl. Jababeka Raya",
        "arah Cikarang Utara",
        "-6.288500",
        "107.150200",
        60,
        ["speed", "seatbelt", "phone", "red_light"],
    ),
    (
        "bks-cibarusah-01",
        "Cikarang-Cibarusah Km 5",
        "Jl. Raya Cikarang-Cibarusah",
        "arah Cibarusah",
        "-6.338000",
        "107.146000",
        60,
        ["speed", "helmet", "stopping"],
    ),
]

COLOURS = ["Hitam", "Putih", "Silver", "Abu-abu", "Merah", "Biru"]
MAKES = {
    rules.CAR: ["Toyota Avanza", "Daihatsu Xenia", "Honda Brio", "Suzuki Ertiga", "Mitsubishi Xpander"],
    rules.MOTORCYCLE: ["Honda Beat", "Yamaha NMAX", "Honda Vario", "Yamaha Mio", "Suzuki Nex"],
    rules.BUS: ["Isuzu Elf", "Mitsubishi Colt Diesel Bus"],
    rules.GOODS: ["Mitsubishi Colt Diesel", "Isuzu Traga", "Hino Dutro"],
}
LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"


def seed(world) -> None:
    unit = world.units.get("bks-satlantas")
    client = ApiClient.objects.filter(name=DEMO_CAMERA_CLIENT).first()
    if unit is None or client is None:
        return
    cameras = _seed_cameras(unit, client)
    vehicles = _seed_vehicles(world)
    _seed_day(world, cameras, vehicles, client)


def _seed_cameras(unit, client) -> list[Camera]:
    return [
        services.camera_register(
            actor=SYSTEM,
            code=code,
            unit=unit,
            api_client=client,
            name=name,
            road=road,
            direction=direction,
            latitude=Decimal(lat),
            longitude=Decimal(lon),
            speed_limit_kmh=limit,
            violation_codes=codes,
            vendor=Camera.HIKVISION,
        )
        for code, name, road, direction, lat, lon, limit, codes in DEMO_CAMERAS
    ]


def _plate_class(number: int) -> str:
    for low, high, vehicle_class in rules.NUMBER_CLASS_RANGES:
        if low <= number <= high:
            return vehicle_class
    return rules.CAR


def _seed_vehicles(world) -> list[Vehicle]:
    rng, faker = world.rng, world.faker
    today = timezone.localdate()
    plates: dict[str, Vehicle] = {}
    while len(plates) < VEHICLES:
        number = rng.choice(
            [rng.randint(1, 1999), rng.randint(2000, 6999), rng.randint(2000, 6999), rng.randint(8000, 9999)]
        )
        suffix = "F" + "".join(rng.choice(LETTERS) for _ in range(rng.choice((1, 2))))
        plate = f"B {number} {suffix}"
        if plate in plates:
            continue
        vehicle_class = _plate_class(number)
        name = faker.name()
        plates[plate] = Vehicle(
            plate=plate,
            owner_name=name,
            owner_address=f"{faker.street_address()}, Kabupaten Bekasi",
            phone=f"08{rng.randint(11, 99)}{rng.randint(10000000, 99999999)}",
            email=f"{name.split()[0].lower()}{rng.randint(1, 999)}@contoh.id" if rng.random() < 0.6 else "",
            vehicle_class=vehicle_class,
            make=rng.choice(MAKES[vehicle_class]),
            colour=rng.choice(COLOURS),
            registration_valid_until=today + timedelta(days=rng.randint(-200, 1500)),
            blocked=rng.random() < 0.01,
        )
    Vehicle.objects.bulk_create(plates.values(), batch_size=1000)
    return list(plates.values())


def _seed_day(world, cameras, vehicles, client) -> None:
    """Yesterday, 06:00-22:00 WIB: mostly clean reads, some repeats (merged), some for review."""
    rng = world.rng
    yesterday = timezone.localdate() - timedelta(days=1)
    start = timezone.make_aware(datetime.combine(yesterday, time(6, 0)))
    pictures = {
        role: png_bytes((40 * i, 90, 200 - 20 * i))
        for i, role in enumerate(("scene", "plate", "cabin", "rider"))
    }
    by_camera: dict[str, list] = {camera.code: [] for camera in cameras}
    for n in range(EVENTS):
        camera = rng.choice(cameras)
        code = rng.choice(camera.violation_codes)
        kind = rules.VIOLATION_TYPES[code]
        candidates = [v for v in rng.sample(vehicles, 20) if v.vehicle_class in kind.classes] or vehicles[:1]
        vehicle = candidates[0]
        at = start + timedelta(seconds=rng.randint(0, 16 * 3600))
        item = {
            "event_id": f"{camera.code}-{yesterday:%Y%m%d}-{n:05d}",
            "captured_at": at.isoformat(),
            "plate": vehicle.plate.replace(" ", ""),
            "confidence": rng.randint(85, 99),
            "violation": code,
            "vehicle_class": vehicle.vehicle_class,
            "vehicle_colour": vehicle.colour,
            "lane": rng.randint(1, 3),
            "images": [{"role": role, "part": role} for role in sorted(kind.evidence - {rules.SPEED})],
        }
        if code == "speed":
            item["speed_kmh"] = camera.speed_limit_kmh + rng.randint(5, 45)
        roll = rng.random()
        if roll < 0.04:
            item["plate"] = ""  # unreadable
        elif roll < 0.08:
            item["confidence"] = rng.randint(40, 70)
        elif roll < 0.10:
            item["plate"] = item["plate"].replace("0", "O", 1)  # O/0 confusion for review
        elif roll < 0.13:
            item["plate"] = (
                f"B {rng.randint(1, 1999)} F{rng.choice(LETTERS)}{rng.choice(LETTERS)}"  # unregistered
            )
        by_camera[camera.code].append(item)
        if roll > 0.95:  # the same vehicle again a minute later: merged into one case
            again = dict(
                item, event_id=item["event_id"] + "-b", captured_at=(at + timedelta(minutes=1)).isoformat()
            )
            by_camera[camera.code].append(again)
    for camera in cameras:
        items = by_camera[camera.code]
        for first in range(0, len(items), rules.MAX_BATCH_ITEMS):
            services.captures_ingest(
                actor=client,
                camera=camera,
                items=items[first : first + rules.MAX_BATCH_ITEMS],
                source=Capture.DEMO,
                files=pictures,
            )
    world.log(
        f"etle: {len(cameras)} cameras, {len(vehicles)} vehicles, {sum(map(len, by_camera.values()))} events"
    )

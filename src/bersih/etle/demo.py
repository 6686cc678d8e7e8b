"""Demo ETLE: cameras on real roads of Kabupaten Bekasi (approximate positions), a registry of a few
thousand synthetic vehicles (plates ``B nnnn F..``, the Kabupaten Bekasi area letter), yesterday's
camera events ingested through the same pipeline as the API (the review queue), and cases of the
previous weeks taken through every later state of the flow by the same services the pages call:
letters, answers, disputes, returned mail, payment, the court route, a refund and STNK blocks.

``var/demo-etle-cases.txt`` lists those cases (state, tracking number, plate, reference code, virtual
account) so that a newcomer can open one on the public page or pay it with ``bersih etle bank-pay``.
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
WALKTHROUGH_PLATE = "B 1234 FAB"
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
    _seed_flow(world, cameras, vehicles, client)


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
    # The README's walkthrough posts a camera event for this car: its owner has every contact.
    walkthrough = Vehicle(
        plate=WALKTHROUGH_PLATE,
        owner_name="Budi Santoso",
        owner_address="Jl. Raya Tambun No. 12, Tambun Selatan, Kabupaten Bekasi 17510",
        phone="081234567890",
        email="budi.santoso@contoh.id",
        vehicle_class=rules.CAR,
        make="Toyota Avanza",
        colour="Hitam",
        registration_valid_until=today + timedelta(days=400),
    )
    if plates.pop(WALKTHROUGH_PLATE, None) is None:
        plates.pop(next(iter(plates)))  # the registry keeps its size
    plates[WALKTHROUGH_PLATE] = walkthrough
    Vehicle.objects.bulk_create(plates.values(), batch_size=1000)
    return [v for v in plates.values() if v.plate != WALKTHROUGH_PLATE]


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


# --- The rest of the flow ---------------------------------------------------------------------------
# Cases captured FLOW_DAYS ago, three a day, each given a fate by its age so that the deadlines agree:
# a case is late the day after its deadline (H+8 to confirm, H+15 to pay). The demo's own sweep runs
# "yesterday", so the cases due today are left for the worker's first sweep to block while you watch.
FLOW_DAYS = range(3, 21)
FLOW_EVENTS_PER_DAY = 3
RECENT_FATES = [
    "letter",
    "paid",
    "court",
    "other_driver",
    "sold",
    "not_mine",
    "returned",
    "rejected",
    "deposit",
]
OLD_FATES = ["unanswered", "paid_after_block", "deposit", "refund", "rejected", "paid"]


def _seed_flow(world, cameras, vehicles, client) -> None:
    from bersih.core.models import User

    investigator = User.objects.filter(username="penyidik-lantas").first()
    officer = User.objects.filter(username="lantas").first()
    if investigator is None or officer is None:
        return
    cases = _flow_cases(world, cameras, vehicles, client)
    today = timezone.localdate()
    listed = []
    for n, case in enumerate(cases):
        age = (today - timezone.localtime(case.first_captured_at).date()).days
        fate = _fate(age, n)
        listed.append((fate, _apply_fate(world, case, fate, investigator, officer)))
    yesterday_noon = timezone.make_aware(datetime.combine(today - timedelta(days=1), time(12, 0)))
    from .sweeps import deadlines_apply

    deadlines_apply(yesterday_noon)
    for fate, case in listed:
        if fate == "paid_after_block":
            _pay(world, case)  # blocked by the sweep above, then paid: the payment lifts the block
    _write_case_list(listed)
    world.log(f"etle: {len(cases)} cases taken through the flow (var/demo-etle-cases.txt)")


def _fate(age: int, n: int) -> str:
    if age == rules.confirm_days() + 1:
        return "letter"  # due today: the worker's first sweep blocks it
    if age <= rules.confirm_days():
        return RECENT_FATES[n % len(RECENT_FATES)]
    fate = OLD_FATES[n % len(OLD_FATES)]
    if fate == "deposit" and age <= rules.pay_days() + 1:
        return "paid"  # not yet late for payment: shown paid instead
    return fate


def _flow_cases(world, cameras, vehicles, client) -> list:
    """Clean reads of registered vehicles over the previous weeks, one batch per camera."""
    from .models import Violation

    rng = world.rng
    today = timezone.localdate()
    picture = {"scene": png_bytes((30, 110, 160)), "plate": png_bytes((230, 230, 230))}
    by_camera: dict = {}
    event_ids = []
    for age in FLOW_DAYS:
        day = today - timedelta(days=age)
        for k in range(FLOW_EVENTS_PER_DAY):
            camera = rng.choice(cameras)
            code = rng.choice([c for c in camera.violation_codes if c != "speed"] or ["sign"])
            kind = rules.VIOLATION_TYPES[code]
            vehicle = next(v for v in rng.sample(vehicles, 40) if v.vehicle_class in kind.classes)
            at = timezone.make_aware(datetime.combine(day, time(7 + 4 * k, rng.randint(0, 59))))
            event_id = f"{camera.code}-{day:%Y%m%d}-alur-{k}"
            event_ids.append(event_id)
            by_camera.setdefault(camera, []).append(
                {
                    "event_id": event_id,
                    "captured_at": at.isoformat(),
                    "plate": vehicle.plate,
                    "confidence": 97,
                    "violation": code,
                    "vehicle_class": vehicle.vehicle_class,
                    "vehicle_colour": vehicle.colour,
                    "lane": 1,
                    "images": [{"role": "scene", "part": "scene"}, {"role": "plate", "part": "plate"}],
                }
            )
    for camera, items in by_camera.items():
        services.captures_ingest(actor=client, camera=camera, items=items, source=Capture.DEMO, files=picture)
    return list(
        Violation.objects.filter(captures__event_id__in=event_ids)
        .distinct()
        .order_by("first_captured_at", "id")
    )


def _apply_fate(world, case, fate: str, investigator, officer):
    if fate == "rejected":
        return services.violation_reject(actor=investigator, violation=case, reason="not_a_violation")
    case = services.violation_approve(actor=investigator, violation=case)
    case = services.notice_send(actor=SYSTEM, violation=case)
    pictures = {"ktp": png_bytes((200, 180, 150)), "selfie": png_bytes((180, 150, 120))}
    if fate in ("paid", "deposit", "refund"):
        services.confirmation_drove(violation=case, client_address="demo")
        services.deposit_choose(violation=case)
        if fate in ("paid", "refund"):
            _pay(world, case)
        if fate == "refund":
            services.verdict_record(actor=investigator, violation=case, fine=case.max_fine // 2)
    elif fate == "court":
        services.confirmation_drove(violation=case, client_address="demo")
        services.court_choose(violation=case)
    elif fate == "other_driver":
        services.confirmation_other_driver(
            violation=case,
            client_address="demo",
            name=world.faker.name(),
            nik="3216061203850007",
            address=f"{world.faker.street_address()}, Cikarang Utara, Kabupaten Bekasi 17530",
            phone=f"0813{world.rng.randint(10000000, 99999999)}",
        )
        case.refresh_from_db()
        services.notice_send(actor=SYSTEM, violation=case)
    elif fate == "sold":
        services.confirmation_sold(
            violation=case,
            client_address="demo",
            proof=_upload("kwitansi.png", pictures["ktp"]),
            buyer_name=world.faker.name(),
            buyer_address=f"{world.faker.street_address()}, Kota Bekasi",
        )
    elif fate == "not_mine":
        services.confirmation_not_mine(
            violation=case,
            client_address="demo",
            ktp=_upload("ktp.png", pictures["ktp"]),
            selfie=_upload("selfie.png", pictures["selfie"]),
            vehicle_photo=_upload("kendaraan.png", png_bytes((90, 90, 90))),
        )
    elif fate == "returned":
        _return_letter(case, officer)
    case.refresh_from_db()
    return case


def _upload(name: str, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="image/png")


def _pay(world, case) -> None:
    """The bank's signed callback for the case's open virtual account, as the bank would send it."""
    payment = case.payments.filter(status="open").first()
    if payment is None:
        payment = services.deposit_choose(violation=case)
    body, headers = services.bank_request(
        {
            "va_number": payment.va_number,
            "amount": payment.amount,
            "paid_at": timezone.now().isoformat(),
            "bank_reference": f"DEMO{payment.pk:08d}",
        }
    )
    services.bank_callback_receive(
        body=body,
        timestamp=headers["X-Bersih-Timestamp"],
        signature=headers["X-Bersih-Signature"],
        size=len(body),
    )


def _return_letter(case, officer) -> None:
    """The post room records the case's letter as returned: "alamat tidak ditemukan"."""
    from bersih.notify.models import Message, PostLetter
    from bersih.notify.services import message_deliver, post_letter_return

    message = Message.objects.get(
        subject_id=str(case.pk), channel="post", context__letter_number=case.letter_number
    )
    message_deliver(message_id=message.pk)
    letter = PostLetter.objects.get(message=message)
    post_letter_return(actor=officer, letter=letter, reason="alamat_tidak_ditemukan")


def _write_case_list(listed) -> None:
    from django.conf import settings

    lines = ["# state  tracking-number  plate  reference-code  virtual-account  (demo only)"]
    for fate, case in listed:
        case.refresh_from_db()
        payment = case.payments.order_by("-id").first()
        va = payment.va_number if payment else "-"
        row = f"{case.status:<12} {case.tracking_number}  {case.plate:<11} {case.reference_code}  {va}"
        lines.append(f"{row}  ({fate})")
    path = settings.VAR_DIR / "demo-etle-cases.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

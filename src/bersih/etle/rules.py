"""ETLE law and policy as data: violation types, deadlines, thresholds, plate codes — each cited.

Sources: UU No. 22 Tahun 2009 tentang Lalu Lintas dan Angkutan Jalan (LLAJ) for articles and maximum
fines; Perpol No. 7 Tahun 2021 tentang Registrasi dan Identifikasi Kendaraan Bermotor for plates and
the STNK block. Numbers marked *configurable* differ between sources and can be overridden in settings
(``ETLE_CONFIRM_DAYS``, ``ETLE_PAY_DAYS``, ``ETLE_REVIEW_CONFIDENCE``, ``ETLE_MERGE_WINDOW_MINUTES``,
``ETLE_VA_PREFIX``, ``ETLE_HEARING_WEEKDAY``, ``ETLE_HEARING_NOTICE_DAYS``, ``ETLE_RESEND_CONFIRM_DAYS``,
``ETLE_RESEND_PAY_DAYS``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

# --- Vehicle classes -------------------------------------------------------------------------------

CAR, MOTORCYCLE, BUS, GOODS = "car", "motorcycle", "bus", "goods"
VEHICLE_CLASSES = {
    CAR: _("car"),
    MOTORCYCLE: _("motorcycle"),
    BUS: _("bus"),
    GOODS: _("goods vehicle"),
}
ALL_CLASSES = frozenset(VEHICLE_CLASSES)
FOUR_WHEELS = frozenset({CAR, BUS, GOODS})

# --- Evidence a violation needs (checked at ingestion) -------------------------------------------

SPEED = "speed"  # measured speed and the limit, the speed above the limit
SCENE = "scene"  # a picture of the whole scene (signal phase, lane, sign)
PLATE = "plate"  # a close picture of the plate
CABIN = "cabin"  # a picture into the cabin (phone, seatbelt)
RIDER = "rider"  # a picture of the rider(s) of a motorcycle
EVIDENCE_KINDS = {
    SPEED: _("speed and speed limit"),
    SCENE: _("scene picture"),
    PLATE: _("plate picture"),
    CABIN: _("cabin picture"),
    RIDER: _("rider picture"),
}


@dataclass(frozen=True)
class ViolationType:
    code: str
    name_id: str
    name_en: str
    article: str  # as printed on the letter
    max_fine: int  # whole rupiah: the deposit (titipan) asked on confirmation
    evidence: frozenset[str]
    classes: frozenset[str]  # vehicle classes it applies to
    camera_detectable: bool = True

    @property
    def name(self) -> str:
        """The name in the active language: Indonesian unless the page is in English."""
        return self.name_en if (get_language() or "id").startswith("en") else self.name_id


_LLAJ = "UU No. 22 Tahun 2009"

# UU 22/2009 (LLAJ), criminal provisions Pasal 280-293 read with the duty they punish (Pasal 68, 106).
VIOLATION_TYPES: dict[str, ViolationType] = {
    v.code: v
    for v in [
        ViolationType(
            "sign",
            "Melanggar rambu atau marka jalan",
            "Disobeying a traffic sign or road marking",
            f"Pasal 287 ayat (1) jo Pasal 106 ayat (4) huruf a dan b {_LLAJ}",
            500_000,
            frozenset({SCENE, PLATE}),
            ALL_CLASSES,
        ),
        ViolationType(
            "wrong_way",
            "Melawan arus",
            "Driving against the traffic flow",
            f"Pasal 287 ayat (1) jo Pasal 106 ayat (4) huruf a dan b {_LLAJ}",
            500_000,
            frozenset({SCENE, PLATE}),
            ALL_CLASSES,
        ),
        ViolationType(
            "bus_lane",
            "Masuk jalur khusus bus",
            "Driving in the bus lane",
            f"Pasal 287 ayat (1) jo Pasal 106 ayat (4) huruf a dan b {_LLAJ}",
            500_000,
            frozenset({SCENE, PLATE}),
            frozenset({CAR, MOTORCYCLE, GOODS}),
        ),
        ViolationType(
            "odd_even",
            "Melanggar ganjil-genap",
            "Breaking the odd-even plate rule",
            f"Pasal 287 ayat (1) jo Pasal 106 ayat (4) huruf a dan b {_LLAJ}",
            500_000,
            frozenset({SCENE, PLATE}),
            frozenset({CAR}),
        ),
        ViolationType(
            "red_light",
            "Menerobos lampu merah (APILL)",
            "Running a red light",
            f"Pasal 287 ayat (2) jo Pasal 106 ayat (4) huruf c {_LLAJ}",
            500_000,
            frozenset({SCENE, PLATE}),
            ALL_CLASSES,
        ),
        ViolationType(
            "stopping",
            "Melanggar aturan berhenti atau parkir",
            "Breaking the stopping or parking rules",
            f"Pasal 287 ayat (3) {_LLAJ}",
            250_000,
            frozenset({SCENE, PLATE}),
            ALL_CLASSES,
        ),
        ViolationType(
            "siren",
            "Menyalahgunakan sirene atau rotator",
            "Misusing a siren or rotator light",
            f"Pasal 287 ayat (4) {_LLAJ}",
            250_000,
            frozenset({SCENE, PLATE}),
            ALL_CLASSES,
        ),
        ViolationType(
            "speed",
            "Melanggar batas kecepatan",
            "Speeding (above the maximum or below the minimum)",
            f"Pasal 287 ayat (5) {_LLAJ}",
            500_000,
            frozenset({SPEED, PLATE}),
            ALL_CLASSES,
        ),
        ViolationType(
            "phone",
            "Menggunakan telepon saat mengemudi",
            "Using a phone while driving",
            f"Pasal 283 {_LLAJ}",
            750_000,
            frozenset({CABIN, PLATE}),
            ALL_CLASSES,
        ),
        ViolationType(
            "seatbelt",
            "Tidak memakai sabuk keselamatan",
            "Not wearing a seatbelt",
            f"Pasal 289 {_LLAJ}",
            250_000,
            frozenset({CABIN, PLATE}),
            FOUR_WHEELS,
        ),
        ViolationType(
            "helmet",
            "Pengemudi tidak memakai helm SNI",
            "Rider without a helmet",
            f"Pasal 291 ayat (1) {_LLAJ}",
            250_000,
            frozenset({RIDER, PLATE}),
            frozenset({MOTORCYCLE}),
        ),
        ViolationType(
            "helmet_passenger",
            "Penumpang tidak memakai helm SNI",
            "Passenger without a helmet",
            f"Pasal 291 ayat (2) {_LLAJ}",
            250_000,
            frozenset({RIDER, PLATE}),
            frozenset({MOTORCYCLE}),
        ),
        ViolationType(
            "passengers",
            "Berboncengan lebih dari satu orang",
            "More than one passenger on a motorcycle",
            f"Pasal 292 jo Pasal 106 ayat (9) {_LLAJ}",
            250_000,
            frozenset({RIDER, PLATE}),
            frozenset({MOTORCYCLE}),
        ),
        ViolationType(
            "headlight",
            "Tidak menyalakan lampu utama siang hari",
            "Motorcycle headlight off in daytime",
            f"Pasal 293 ayat (2) {_LLAJ}",
            100_000,
            frozenset({RIDER, PLATE}),
            frozenset({MOTORCYCLE}),
        ),
        ViolationType(
            "plate",
            "TNKB tidak sah atau tidak dipasang",
            "Plate missing or not police-issued",
            f"Pasal 280 jo Pasal 68 ayat (1) {_LLAJ}",
            500_000,
            frozenset({SCENE, PLATE}),
            ALL_CLASSES,
        ),
        ViolationType(
            "no_stnk",
            "Tidak dilengkapi STNK",
            "No vehicle registration (STNK)",
            f"Pasal 288 ayat (1) {_LLAJ}",
            500_000,
            frozenset({PLATE}),
            ALL_CLASSES,
            camera_detectable=False,
        ),
        ViolationType(
            "no_sim",
            "Tidak memiliki SIM",
            "Driving without a licence (SIM)",
            f"Pasal 281 {_LLAJ}",
            1_000_000,
            frozenset({PLATE}),
            ALL_CLASSES,
            camera_detectable=False,
        ),
        ViolationType(
            "unfit_motorcycle",
            "Sepeda motor tidak laik jalan",
            "Motorcycle not roadworthy",
            f"Pasal 285 ayat (1) {_LLAJ}",
            250_000,
            frozenset({SCENE, PLATE}),
            frozenset({MOTORCYCLE}),
        ),
        ViolationType(
            "unfit_car",
            "Mobil tidak laik jalan",
            "Car not roadworthy",
            f"Pasal 285 ayat (2) {_LLAJ}",
            500_000,
            frozenset({SCENE, PLATE}),
            FOUR_WHEELS,
        ),
    ]
}


def violation_type(code: str) -> ViolationType | None:
    return VIOLATION_TYPES.get(code)


# --- Deadlines (Perpol 7/2021 Pasal 87 ayat (3) huruf b) -------------------------------------------
# No confirmation by H+8 after the violation, or no payment by H+15, and the STNK is temporarily
# blocked. Older PMJ practice used 7 days and toll roads 10+7: configurable.


def confirm_days() -> int:
    return int(getattr(settings, "ETLE_CONFIRM_DAYS", 8))


def pay_days() -> int:
    return int(getattr(settings, "ETLE_PAY_DAYS", 15))


# A case is late the day AFTER its deadline date (the deadline day itself still counts), in WIB.
# The sweep blocks the STNK of a case whose letter was sent and that was not confirmed by ``confirm_by``
# (``not_confirmed``), or that was confirmed and not paid by ``pay_by`` (``not_paid``; the court route's
# ``pay_by`` is set when the owner chooses it). Cases paused (returned mail, a dispute under review) wait.
BLOCK_NOT_CONFIRMED, BLOCK_NOT_PAID = "not_confirmed", "not_paid"
BLOCK_REASONS = {
    BLOCK_NOT_CONFIRMED: _("not confirmed by the deadline"),
    BLOCK_NOT_PAID: _("not paid by the deadline"),
}
# Policy: how often the deadline sweep runs and how many cases one run may block (the next run takes
# the rest), so that a backlog never holds the scheduler for long.
DEADLINE_SWEEP_INTERVAL = timedelta(minutes=10)
DEADLINE_SWEEP_BATCH = 200
# Why a block is lifted. ``paid`` (the bank's callback) and ``cancelled`` (the case was cancelled) are
# automatic; the others are a supervisor's decision (the block was wrong, or a court said so) and
# close the case: a lifted case whose deadline has passed would otherwise be blocked again.
LIFT_PAID, LIFT_CANCELLED = "paid", "cancelled"
# A letter that comes back after the owner was blocked for not confirming: the owner never had the
# notice, so the block goes until the letter reaches them (the domain's returned-mail rule).
LIFT_RETURNED = "letter_returned"
MANUAL_LIFT_REASONS = {
    "wrong_owner": _("Wrong owner (the vehicle was sold or the plate is a copy)"),
    "dispute_accepted": _("Dispute accepted"),
    "court_order": _("Court order"),
    "data_error": _("Error in the registry or the case data"),
}
LIFT_REASONS = {
    LIFT_PAID: _("paid"),
    LIFT_CANCELLED: _("case cancelled"),
    LIFT_RETURNED: _("letter returned"),
    **MANUAL_LIFT_REASONS,
}
MAX_LIFT_NOTE = 500
# The Samsat feed: rows per API page (default and most), and the longest period one CSV download spans.
BLOCKS_PAGE_DEFAULT = 100
BLOCKS_PAGE_MAX = 1000
BLOCKS_EXPORT_MAX_DAYS = 366

# --- Dashboard --------------------------------------------------------------------------------------
# The period shown by default, the longest one may ask for, and the review backlog's age buckets in
# days (lower bound inclusive; None: open-ended).
DASHBOARD_DEFAULT_DAYS = 30
DASHBOARD_MAX_DAYS = 366
BACKLOG_BUCKETS = ((0, 1), (1, 3), (3, 7), (7, 14), (14, None))
# Cameras and officers listed at most (the busiest first).
DASHBOARD_MAX_ROWS = 50


# --- Payment: the deposit (titipan) and the court route ---------------------------------------------
# On confirmation the violator deposits the article's maximum fine into a bank virtual account
# (UU 22/2009 Pasal 267 ayat (3)); a court fine lower than the deposit is refunded (Pasal 268), and a
# refund not claimed within a year goes to the state treasury. In PMJ the bank is BRI (BRIVA): a
# 15-digit number that begins with the institution's code (configurable: ETLE_VA_PREFIX).
VA_LENGTH = 15


def va_prefix() -> str:
    prefix = str(getattr(settings, "ETLE_VA_PREFIX", "88810"))
    if not prefix.isdigit() or not 3 <= len(prefix) <= 8:
        raise ValueError("ETLE_VA_PREFIX must be 3 to 8 digits")
    return prefix


REFUND_CLAIM_PERIOD = timedelta(days=365)
# The article printed on the verdict's record and on a refund: the court's fine decides, the rest of
# the deposit goes back to the violator.
REFUND_ARTICLE = f"Pasal 268 {_LLAJ}"
VERDICT_ARTICLE = f"Pasal 267 ayat (3) dan Pasal 268 {_LLAJ}"
# Refunds past their claim period are handed to the treasury by a sweep, this many per run.
REFUND_SWEEP_INTERVAL = timedelta(hours=6)
REFUND_SWEEP_BATCH = 200

# --- The bank's payment callback (policy) -----------------------------------------------------------
# Signed with HMAC-SHA256 over ``timestamp + "." + body`` with a shared secret (ETLE_BANK_SECRET); a
# timestamp further than this from our clock is refused, so a captured request cannot be replayed later.
BANK_TIMESTAMP_SKEW = timedelta(minutes=5)
# A notification is a few hundred bytes; anything much larger is not the bank's.
MAX_CALLBACK_BYTES = 16 * 1024
BANK_CHANNELS = ("atm", "teller", "mobile", "internet", "agent", "other")

# --- Reconciliation with the bank's daily statement (policy) ----------------------------------------
STATEMENT_COLUMNS = ("date", "va_number", "amount", "bank_reference")
MAX_STATEMENT_BYTES = 5 * 1024 * 1024
MAX_STATEMENT_LINES = 50_000
# Perma No. 12 Tahun 2016: traffic hearings are held at least once a week and decided the same day.
# The weekday of the district court's hearing (0 = Monday … 4 = Friday) and the least notice a violator
# gets before it: configurable per court (ETLE_HEARING_WEEKDAY, ETLE_HEARING_NOTICE_DAYS).


def hearing_weekday() -> int:
    return int(getattr(settings, "ETLE_HEARING_WEEKDAY", 4))


def hearing_notice_days() -> int:
    return int(getattr(settings, "ETLE_HEARING_NOTICE_DAYS", 3))


# --- Ingestion -------------------------------------------------------------------------------------


def review_confidence() -> int:
    """A read below this camera confidence (0-100) goes to review marked as low-confidence."""
    return int(getattr(settings, "ETLE_REVIEW_CONFIDENCE", 80))


def merge_window() -> timedelta:
    """Same camera, plate and violation within this time of the last capture: one violation."""
    return timedelta(minutes=int(getattr(settings, "ETLE_MERGE_WINDOW_MINUTES", 10)))


# A camera's clock may run a little ahead; anything further in the future is refused.
FUTURE_SKEW = timedelta(minutes=5)
# Older events are refused: a letter must reach the owner well within the confirmation period, and
# the evidence of a weeks-old capture cannot be checked against the owner's memory.
MAX_EVENT_AGE = timedelta(days=30)

# Evidence pictures: sniffed from the bytes; cameras send JPEG, some PNG.
IMAGE_TYPES = frozenset({"image/jpeg", "image/png"})
MAX_IMAGE_BYTES = 2 * 1024 * 1024
MAX_IMAGES_PER_EVENT = 6

# One request carries at most this many events (a camera pushes every few seconds; imports chunk).
MAX_BATCH_ITEMS = 1000
# Whole-request limit of the multipart endpoints (images included).
MAX_REQUEST_BYTES = 24 * 1024 * 1024

TRACKING_PREFIX = "ETLE"

# --- Plates (TNKB, Perpol 7/2021) ------------------------------------------------------------------
# Region codes of line 1 (kode wilayah). Incomplete for the newest provinces: keep it as data, and an
# unknown code is a review matter, not a refusal.
REGION_CODES = frozenset(
    [
        *[
            "A",
            "AA",
            "AB",
            "AD",
            "AE",
            "AG",
            "B",
            "BA",
            "BB",
            "BD",
            "BE",
            "BG",
            "BH",
            "BK",
            "BL",
            "BM",
            "BN",
            "BP",
        ],
        *["D", "DA", "DB", "DC", "DD", "DE", "DG", "DH", "DK", "DL", "DM", "DN", "DR", "DT"],
        *[
            "E",
            "EA",
            "EB",
            "ED",
            "F",
            "G",
            "H",
            "K",
            "KB",
            "KH",
            "KT",
            "KU",
            "L",
            "M",
            "N",
            "P",
            "PA",
            "PB",
            "R",
            "S",
            "T",
            "W",
            "Z",
        ],
    ]
)

# Polda Metro Jaya (code B): the first suffix letter names the area.
PMJ_AREAS = {
    "B": "Jakarta Barat",
    "P": "Jakarta Pusat",
    "S": "Jakarta Selatan",
    "T": "Jakarta Timur",
    "U": "Jakarta Utara",
    "E": "Depok",
    "Z": "Depok",
    "F": "Kabupaten Bekasi",
    "K": "Kota Bekasi",
    "C": "Kota Tangerang",
    "V": "Kota Tangerang",
    "N": "Tangerang Selatan",
    "W": "Tangerang Selatan",
}

# Number ranges (national practice; Jakarta differs slightly — a hint for review, never a rule).
NUMBER_CLASS_RANGES = [
    (1, 1999, CAR),
    (2000, 6999, MOTORCYCLE),
    (7000, 7999, BUS),
    (8000, 9999, GOODS),
]

# Why a capture needs a reviewer's closer look.
REVIEW_REASONS = {
    "unreadable": _("The camera could not read the plate."),
    "low_confidence": _("The camera was not sure of its read."),
    "ambiguous_characters": _("The read mixes up O/0 or I/1."),
    "unknown_region": _("The region code is not in the list."),
    "evidence_missing": _("A picture the violation needs is missing."),
    "class_mismatch": _("The violation does not apply to the vehicle class seen."),
    "registry_missing": _("The plate is not in the vehicle registry."),
    "registry_mismatch": _("The registry's vehicle class differs from what the camera saw."),
}
# The registry's colour differs from the camera's: like a class mismatch, a sign of a fake or
# borrowed plate (flagged when an officer looks the plate up, never decided automatically).
REVIEW_REASONS["colour_mismatch"] = _("The registry's colour differs from what the camera saw.")
# Reasons computed from the registry: looked up again whenever the plate changes.
REGISTRY_REASONS = frozenset({"registry_missing", "registry_mismatch", "colour_mismatch"})
# Reasons about the camera's read of the plate: moot once an officer has typed the plate.
PLATE_READ_REASONS = frozenset({"unreadable", "low_confidence", "ambiguous_characters"})

# Cameras report colours in English; the registry (STNK) in Indonesian.
COLOUR_WORDS = {
    "black": "hitam",
    "white": "putih",
    "silver": "silver",
    "grey": "abu-abu",
    "gray": "abu-abu",
    "red": "merah",
    "blue": "biru",
    "green": "hijau",
    "yellow": "kuning",
    "brown": "coklat",
    "orange": "oranye",
}


def colour_key(colour: str) -> str:
    """A colour comparable across languages: ``Black`` and ``HITAM`` give the same key."""
    word = " ".join(colour.lower().split())
    return COLOUR_WORDS.get(word, word)


# --- Review (the investigator's decision) ----------------------------------------------------------
# Why an investigator turns a case down; ``other`` needs a note. The case keeps the code and the note.
REJECT_OTHER = "other"
REJECTION_REASONS = {
    "plate_unreadable": _("The plate cannot be read on the pictures."),
    "not_a_violation": _("The pictures show no violation."),
    "emergency_vehicle": _("An emergency vehicle on duty (ambulance, fire, police)."),
    "duplicate": _("A duplicate of another case."),
    "camera_fault": _("A camera fault (clock, signal phase, speed reading)."),
    REJECT_OTHER: _("Another reason (explain in the note)."),
}
MAX_REJECTION_NOTE = 500
# The review queue: cases per page, and the most a page may ask for.
REVIEW_PAGE_SIZE = 25


# --- Letters (surat konfirmasi) and returned mail -------------------------------------------------
# The confirmation letter goes to the registered owner (or to the driver the owner named) by post,
# and by email, SMS and WhatsApp where the registry holds a contact (PMJ practice since January 2025).
# The public page that answers it lives under this path of SITE_URL, with the reference code and the
# plate as query parameters, so the QR code on the letter opens it ready to confirm.
CONFIRMATION_PATH = "/etle/"
CONFIRMATION_CODE_PARAM = "kode"
CONFIRMATION_PLATE_PARAM = "plat"
# Letters: the position that signs (for the head of Satlantas of the unit) and the document kind.
LETTER_KIND = "etle_letter"
LETTER_SIGNER = "KEPALA SATUAN LALU LINTAS"
# Evidence pictures on the attachment page: at most this many, each fitted into this box (mm).
LETTER_MAX_PICTURES = 4
LETTER_PICTURE_BOX_MM = (170, 75)
# The letters sweep leaves a case alone this long after its last change, so that the task queued at
# approval gets the first chance (both are safe together: the case row is locked and checked).
LETTER_SWEEP_GRACE = timedelta(minutes=5)
LETTER_SWEEP_BATCH = 200
# A corrected address typed by staff: non-empty and at most this long; at most this long a reason
# for closing a case as undeliverable.
MAX_ADDRESS_LENGTH = 300
MAX_CLOSE_REASON = 500
# A registry address without a five-digit postcode still goes by post (the post room sorts by city
# as well); the label shows this in its place.
UNKNOWN_POSTCODE = "-"


def resend_confirm_days() -> int:
    """Days to confirm, counted from the day a letter is resent to a corrected address.

    Perpol 7/2021 Pasal 87(3)(b) counts H+8 / H+15 from the violation, which presumes the letter
    reached the owner. An owner whose letter came back never had that chance: blocking their STNK on
    the original dates would punish a wrong registry address, not a refusal to answer. Fairness (and
    the pause of blocking while a letter is back, domain notes on returned mail) therefore restarts
    both periods from the day of resending, with the same lengths by default. Policy, configurable:
    ``ETLE_RESEND_CONFIRM_DAYS``, ``ETLE_RESEND_PAY_DAYS``.
    """
    return int(getattr(settings, "ETLE_RESEND_CONFIRM_DAYS", confirm_days()))


def resend_pay_days() -> int:
    return int(getattr(settings, "ETLE_RESEND_PAY_DAYS", pay_days()))


def resend_deadlines(day: date) -> tuple[date, date]:
    """(confirm by, pay by) for a letter resent on ``day``."""
    confirm = day + timedelta(days=resend_confirm_days())
    return confirm, max(confirm, day + timedelta(days=resend_pay_days()))


_POSTCODE = re.compile(r"\b(\d{5})\b")


def postal_address(name: str, text: str) -> dict | None:
    """The post room's address fields from a free-text address, or None when it names no city.

    ``"Jl. Raya Tambun No. 1, Desa Mekarsari, Kabupaten Bekasi 17510"`` → street ``Jl. Raya Tambun
    No. 1``, village ``Desa Mekarsari``, city ``Kabupaten Bekasi``, postcode ``17510``. Parts are
    separated by commas or new lines; the first is the street, the last the city.
    """
    found = _POSTCODE.search(text or "")
    postcode = found.group(1) if found else UNKNOWN_POSTCODE
    if found:
        text = text[: found.start()] + text[found.end() :]
    parts = [part.strip(" .") for part in re.split(r"[,\n]", text or "")]
    parts = [part for part in parts if part]
    if len(parts) < 2 or not (name or "").strip():
        return None
    return {
        "name": name.strip(),
        "street": parts[0],
        "village": ", ".join(parts[1:-1]),
        "city": parts[-1],
        "province": "",
        "postcode": postcode,
    }


# --- Public confirmation (the owner's answer) ------------------------------------------------------
# The owner opens the case with the letter's reference code and the plate (both needed: a second factor).
# A successful lookup opens that one case in the browser's session for this long (policy).


def confirm_access_minutes() -> int:
    return int(getattr(settings, "ETLE_CONFIRM_ACCESS_MINUTES", 30))


# The four answers of the confirmation page (the owner's statement of who drove, Perpol 7/2021 Pasal 87).
DROVE, OTHER_DRIVER, SOLD, NOT_MINE = "drove", "other_driver", "sold", "not_mine"
ANSWERS = {
    DROVE: _("I was driving"),
    OTHER_DRIVER: _("Someone else was driving"),
    SOLD: _("The vehicle was sold but not re-registered"),
    NOT_MINE: _("Not my vehicle / my plate was misused"),
}
# Answers that dispute the case: an officer looks at the uploads before anything else happens, and the
# deadline sweep leaves the case alone meanwhile (``Violation.PAUSE_DISPUTE``).
DISPUTE_ANSWERS = frozenset({SOLD, NOT_MINE})

# Uploads with a dispute: sniffed from the bytes (documents.services.upload_check), at most this size.
PROOF, KTP, SELFIE, VEHICLE_PHOTO = "proof", "ktp", "selfie", "vehicle"
UPLOAD_ROLES = {
    PROOF: _("proof of sale (receipt or photo)"),
    KTP: _("identity card (KTP)"),
    SELFIE: _("selfie holding the identity card"),
    VEHICLE_PHOTO: _("photo of your vehicle"),
}
PICTURE_TYPES = frozenset({"image/jpeg", "image/png"})
UPLOAD_TYPES = {
    PROOF: PICTURE_TYPES | {"application/pdf"},
    KTP: PICTURE_TYPES | {"application/pdf"},
    SELFIE: PICTURE_TYPES,
    VEHICLE_PHOTO: PICTURE_TYPES,
}
# What each dispute needs (all required).
DISPUTE_UPLOADS = {SOLD: (PROOF,), NOT_MINE: (KTP, SELFIE, VEHICLE_PHOTO)}
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_ANSWER_TEXT = 300  # names and addresses typed on the form

# A named driver (or a buyer an officer redirects the notice to) gets the full periods again, counted
# from the day of the answer (or decision): they learn of the case only then (Perpol 7/2021 Pasal 87(3)(b)).


def deadlines_from(day) -> tuple:
    """(confirm_by, pay_by) for an addressee who learns of the case on ``day``."""
    return day + timedelta(days=confirm_days()), day + timedelta(days=pay_days())


# A refused dispute gives back the time it was under review: both deadlines move by the calendar days
# from the day of the answer to the day of the decision, both counted (policy, in the owner's favour:
# the sweep was paused for them, and a same-day decision still gives one day back).


def dispute_extension_days(disputed_on, decided_on) -> int:
    return max(0, (decided_on - disputed_on).days) + 1


MAX_DISPUTE_REASON = 500

# --- The court route (Perma No. 12 Tahun 2016) ------------------------------------------------------
# The violator who chooses the hearing is summoned to the next hearing day at least
# ``hearing_notice_days()`` ahead; the verdict is read the same day and the fine is paid after it
# (Perma 12/2016 Pasal 12-13, paid to the prosecutor's account), so the payment deadline moves to the
# hearing plus ``court_pay_days()`` (ETLE_COURT_PAY_DAYS, default 7). The court that hears traffic cases
# of the place of the violation: ``ETLE_COURT_NAME``.


def court_pay_days() -> int:
    return int(getattr(settings, "ETLE_COURT_PAY_DAYS", 7))


def court_name() -> str:
    return str(getattr(settings, "ETLE_COURT_NAME", "Pengadilan Negeri Bekasi"))


def hearing_date(answer_day, *, weekday: int | None = None, notice_days: int | None = None):
    """The first hearing weekday at least ``hearing_notice_days()`` after ``answer_day`` (both from
    the settings unless given)."""
    weekday = hearing_weekday() if weekday is None else weekday
    notice_days = hearing_notice_days() if notice_days is None else notice_days
    earliest = answer_day + timedelta(days=notice_days)
    return earliest + timedelta(days=(weekday - earliest.weekday()) % 7)

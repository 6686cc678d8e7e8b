"""ETLE ingestion: one pipeline for the JSON API, Hikvision pushes and file imports.

``captures_ingest`` validates each item on its own, then writes everything that passed in one
transaction with bulk inserts (the path the benchmark measures):

1. schema, time window, violation type, camera's enforced rules, speed evidence, plate (TNKB);
2. replays: an event id already stored for the camera answers ``duplicate`` and changes nothing (the
   same id with different content is a ``conflict``);
3. pictures are checked by their sniffed type and size, then stored once in the document store;
4. registry lookup (``registry.py``) flags unknown plates and class mismatches for review;
5. merge: the same plate caught by the same camera for the same rule within the merge window joins
   the open violation instead of opening another;
6. one ledger entry for the batch (``etle.captures.ingested``) naming every accepted event id and the
   violations opened and merged into. Per-violation entries start with the first human decision
   (review), so that a camera's flood does not serialise on one ledger append per event.

If the insert meets a concurrent writer (the same event id stored by another request in between),
the whole batch is read again and retried: a replay then answers ``duplicate``.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache, partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connections, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from pydantic import ValidationError as PydanticError

from bersih import ledger
from bersih.core.tracking import CROCKFORD, RANDOM_LENGTH, compose, composer
from bersih.documents.services import file_store, upload_check

from .. import plates, rules
from ..models import Camera, Capture, CaptureImage, Vehicle, Violation
from ..registry import VEHICLE_FIELDS, registry
from ..schemas import EventIn

ACCEPTED, MERGED, DUPLICATE, REJECTED = "accepted", "merged", "duplicate", "rejected"
_RETRIES = 3


@dataclass
class ItemResult:
    """The outcome of one item: ``accepted`` (201), ``merged`` (201), ``duplicate`` (200), ``rejected``."""

    index: int
    event_id: str = ""
    outcome: str = REJECTED
    status: int = 422
    tracking_number: str = ""
    problem_type: str = ""
    reason: str = ""
    errors: list = field(default_factory=list)
    review_reasons: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.outcome != REJECTED


class Rejected(Exception):
    def __init__(self, problem_type: str, reason: str, errors=None, status: int = 422):
        super().__init__(reason)
        self.problem_type, self.reason, self.errors, self.status = problem_type, reason, errors or [], status


@dataclass
class _Checked:
    """An item that passed every check, ready to be written."""

    result: ItemResult
    event: EventIn
    plate: str
    review: list[str]
    payload_sha256: str
    images: list  # (role, CheckedUpload, original name)
    violation: _Case | None = None


# --- Cameras ----------------------------------------------------------------------------------------


@transaction.atomic
def camera_register(*, actor, code: str, unit, api_client=None, **fields) -> Camera:
    """Register a camera (or change an existing one's details), checked and recorded in the ledger."""
    unknown = [c for c in fields.get("violation_codes", []) if c not in rules.VIOLATION_TYPES]
    if unknown:
        raise ValidationError(
            _("Unknown violation code: %(code)s.") % {"code": ", ".join(unknown)}, code="violation"
        )
    camera = Camera.objects.select_for_update().filter(code=code).first()
    created = camera is None
    camera = camera or Camera(code=code)
    camera.unit, camera.api_client = unit, api_client
    for name, value in fields.items():
        setattr(camera, name, value)
    camera.full_clean()
    camera.save()
    ledger.record(
        actor=actor,
        action="etle.camera.registered" if created else "etle.camera.changed",
        subject=camera,
        data={
            "code": camera.code,
            "road": camera.road,
            "violations": camera.violation_codes,
            "client": api_client.name if api_client else "",
            "active": camera.active,
        },
    )
    return camera


# --- Ingestion --------------------------------------------------------------------------------------


def captures_ingest(*, actor, camera: Camera, items: list, source: str = Capture.API, files=None):
    """Ingest a batch of camera events for ``camera``; answers one :class:`ItemResult` per item.

    ``items`` are plain dicts in the vendor-neutral format (:class:`~bersih.etle.schemas.EventIn`);
    ``files`` maps multipart part names to uploaded files for ``{"part": …}`` image references.
    """
    if len(items) > rules.MAX_BATCH_ITEMS:
        raise ValidationError(
            _("A batch holds at most %(limit)d events.") % {"limit": rules.MAX_BATCH_ITEMS}, code="batch_size"
        )
    for attempt in range(_RETRIES):
        try:
            return _ingest_once(actor=actor, camera=camera, items=items, source=source, files=files or {})
        except IntegrityError:
            # A concurrent request stored one of these events (or, rarely, drew the same random
            # number) between our read and our insert: read again; replays now answer duplicate.
            if attempt == _RETRIES - 1:
                raise
    raise AssertionError("unreachable")


@dataclass(slots=True)
class _Batch:
    """What every item of a batch is checked against, read once per batch (settings, the clock)."""

    camera: Camera
    now: datetime
    files: dict
    earliest: datetime = field(init=False)
    latest: datetime = field(init=False)
    review_confidence: int = field(init=False)

    def __post_init__(self):
        self.earliest = self.now - rules.MAX_EVENT_AGE
        self.latest = self.now + rules.FUTURE_SKEW
        self.review_confidence = rules.review_confidence()


def _ingest_once(*, actor, camera, items, source, files):
    now = timezone.now()
    batch = _Batch(camera, now, files)
    results: list[ItemResult] = []
    checked: list[_Checked] = []
    first_of: dict[str, _Checked | ItemResult] = {}
    for index, item in enumerate(items):
        result = ItemResult(index=index, event_id=_event_id_of(item))
        results.append(result)
        try:
            entry = _check_item(batch, item, result)
        except Rejected as refusal:
            _reject(result, refusal)
            continue
        earlier = first_of.get(entry.event.event_id)
        if earlier is not None:
            # The same event twice in one batch: the second is a replay of the first.
            _answer_replay(result, earlier, entry.payload_sha256)
            continue
        first_of[entry.event.event_id] = entry
        checked.append(entry)
    with transaction.atomic():
        stored = _stored_events(camera, [c.event.event_id for c in checked])
        fresh = []
        for entry in checked:
            existing = stored.get(entry.event.event_id)
            if existing is None:
                fresh.append(entry)
                continue
            tracking_number, payload_sha256 = existing
            _mark_duplicate(entry.result, tracking_number, same=payload_sha256 == entry.payload_sha256)
        if fresh:
            _flag_from_registry(fresh)
            opened, merged = _assign_violations(camera, fresh, now=now)
            _write(actor, camera, fresh, opened, merged, source=source, now=now)
    for entry in checked:
        if entry.violation is not None:
            entry.result.tracking_number = entry.violation.tracking_number
    _fill_in_batch_replays(results)
    return results


def _event_id_of(item) -> str:
    value = item.get("event_id") if isinstance(item, dict) else None
    return value[:100] if isinstance(value, str) else ""


def _reject(result: ItemResult, refusal: Rejected) -> None:
    result.outcome, result.status = REJECTED, refusal.status
    result.problem_type, result.reason, result.errors = refusal.problem_type, refusal.reason, refusal.errors


def _answer_replay(result: ItemResult, earlier: _Checked, payload_sha256: str) -> None:
    if payload_sha256 != earlier.payload_sha256:
        _reject(result, _conflict())
        return
    result.outcome, result.status = DUPLICATE, 200
    result.reason = _("This event was already received.")
    result._replay_of = earlier  # its tracking number is known once the batch is written


def _fill_in_batch_replays(results) -> None:
    for result in results:
        earlier = getattr(result, "_replay_of", None)
        if earlier is not None:
            del result._replay_of
            if earlier.result.outcome == REJECTED:  # the first copy met a conflict: so does this one
                result.outcome, result.status = REJECTED, earlier.result.status
                result.problem_type, result.reason = earlier.result.problem_type, earlier.result.reason
            else:
                result.tracking_number = earlier.result.tracking_number


def _conflict() -> Rejected:
    return Rejected("conflict", _("This event id was already received with different content."), status=409)


def _mark_duplicate(result: ItemResult, tracking_number: str, *, same: bool) -> None:
    if not same:
        _reject(result, _conflict())
        return
    result.outcome, result.status, result.tracking_number = DUPLICATE, 200, tracking_number
    result.reason = _("This event was already received.")


def _stored_events(camera, event_ids) -> dict[str, tuple[str, str]]:
    """event id → (tracking number, payload hash) of the events of ``camera`` already stored."""
    capture, violation = Capture._meta.db_table, Violation._meta.db_table
    sql = (
        f"SELECT c.event_id, v.tracking_number, c.payload_sha256 FROM {capture} c "  # noqa: S608 - table names
        f"JOIN {violation} v ON v.id = c.violation_id WHERE c.camera_id = %s AND c.event_id IN "
    )
    return {row[0]: (row[1], row[2]) for row in select_in(sql, event_ids, [camera.pk])}


def select_in(sql: str, values, params=()) -> list[tuple]:
    """Rows of ``sql`` ending in ``IN``, for ``values`` in chunks (a plain query: no per-value ORM cost)."""
    connection = connections[Capture.objects.db]
    rows: list[tuple] = []
    with connection.cursor() as cursor:
        for chunk in _chunks(list(values)):
            cursor.execute(sql + "(" + ", ".join(["%s"] * len(chunk)) + ")", [*params, *chunk])
            rows.extend(cursor.fetchall())
    return rows


# --- Checking one item ------------------------------------------------------------------------------


# The canonical JSON of an item (what ``json.dumps`` with these options writes), built once: the
# stored hashes of earlier events must keep matching their replays.
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def payload_hash(item: dict) -> str:
    return hashlib.sha256(_CANONICAL.encode(item).encode()).hexdigest()


def _check_item(batch: _Batch, item, result: ItemResult) -> _Checked:
    if not isinstance(item, dict):
        raise Rejected("validation-error", _("An event is a JSON object."))
    try:
        event = EventIn.model_validate(item)
    except PydanticError as exc:
        errors = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
            for e in exc.errors(include_url=False, include_input=False)
        ]
        raise Rejected("validation-error", _("The event does not match the schema."), errors) from None
    result.event_id = event.event_id
    _check_time(event.captured_at, batch)
    kind = _check_violation(batch.camera, event)
    review: list[str] = []
    plate = _check_plate(event, review)
    if event.confidence is not None and event.confidence < batch.review_confidence and plate:
        review.append("low_confidence")
    if event.vehicle_class and event.vehicle_class not in kind.classes:
        review.append("class_mismatch")
    images = _check_images(event, batch.files) if event.images else []
    if kind.evidence - {rules.SPEED} - {role for role, _upload, _name in images}:
        review.append("evidence_missing")
    return _Checked(result, event, plate, review, payload_hash(item), images)


def _check_time(captured_at: datetime, batch: _Batch) -> None:
    if captured_at > batch.latest:
        raise Rejected("event-time", _("The event time is in the future; check the camera's clock."))
    if captured_at < batch.earliest:
        raise Rejected(
            "event-time",
            _("The event is older than %(days)d days and can no longer be enforced.")
            % {"days": rules.MAX_EVENT_AGE.days},
        )


def _check_violation(camera, event: EventIn) -> rules.ViolationType:
    kind = rules.violation_type(event.violation)
    if kind is None:
        raise Rejected(
            "unknown-violation", _("Unknown violation code: %(code)s.") % {"code": event.violation}
        )
    if camera.violation_codes and event.violation not in camera.violation_codes:
        raise Rejected(
            "unknown-violation",
            _("Camera %(camera)s does not enforce %(code)s.")
            % {"camera": camera.code, "code": event.violation},
        )
    if rules.SPEED in kind.evidence:
        limit = event.speed_limit_kmh or camera.speed_limit_kmh
        if event.speed_kmh is None or limit is None:
            raise Rejected("missing-evidence", _("A speed violation needs the speed and the limit."))
        if event.speed_kmh <= limit:
            raise Rejected("missing-evidence", _("The speed given is not above the limit."))
    return kind


def _check_plate(event: EventIn, review: list[str]) -> str:
    if not event.plate:
        review.append("unreadable")
        return ""
    try:
        plate, flags = _plate_reading(event.plate)
    except plates.PlateError as exc:
        raise Rejected("invalid-plate", exc.message) from None
    review.extend(flags)
    return plate


@lru_cache(maxsize=16384)
def _plate_reading(text: str) -> tuple[str, tuple[str, ...]]:
    """The canonical plate of a read and its review flags; cameras send the same plates again and
    again. A read that is no plate raises :class:`~bersih.etle.plates.PlateError` (never cached)."""
    plate = plates.parse(text)
    flags = ("ambiguous_characters",) if plate.ambiguous else ()
    if not plate.known_region:
        flags += ("unknown_region",)
    return str(plate), flags


def _check_images(event: EventIn, files) -> list:
    checked = []
    for ref in event.images:
        if ref.part is not None:
            upload = files.get(ref.part)
            if upload is None:
                raise Rejected(
                    "missing-image", _("No part named %(part)s in the request.") % {"part": ref.part}
                )
            name = getattr(upload, "name", ref.part)
        else:
            from bersih.documents.models import StoredFile

            stored = StoredFile.objects.filter(sha256=ref.sha256).first()
            if stored is None or stored.content_type not in rules.IMAGE_TYPES:
                raise Rejected("missing-image", _("No stored picture has that SHA-256."))
            checked.append((ref.role, stored, stored.original_name))
            continue
        try:
            upload_checked = upload_check(
                upload, allowed_types=rules.IMAGE_TYPES, max_bytes=rules.MAX_IMAGE_BYTES
            )
        except ValidationError as exc:
            raise Rejected(
                "invalid-image", exc.messages[0], [{"loc": ["images", ref.part], "type": exc.code}]
            ) from None
        checked.append((ref.role, upload_checked, name))
    return checked


# --- Registry and merging ---------------------------------------------------------------------------


def _flag_from_registry(entries: list[_Checked]) -> None:
    found = registry().lookup_many(e.plate for e in entries if e.plate)
    for entry in entries:
        if not entry.plate:
            continue
        vehicle = found.get(entry.plate)
        if vehicle is None:
            entry.review.append("registry_missing")
        elif entry.event.vehicle_class and vehicle.vehicle_class != entry.event.vehicle_class:
            # A car on a plate registered to a motorcycle: the classic fake or borrowed plate.
            entry.review.append("registry_mismatch")


@dataclass(slots=True)
class _Case:
    """A violation while a batch is assigned: an open one read from the table, or a new one."""

    pk: int | None
    tracking_number: str
    plate: str
    violation_code: str
    first_captured_at: datetime
    last_captured_at: datetime
    capture_count: int
    needs_review: bool
    review_reasons: list
    row: dict | None = None  # the new violation's columns


def _assign_violations(camera, entries: list[_Checked], *, now: datetime):
    """Attach each entry to an open violation within the merge window, or to a new one."""
    window = rules.merge_window()
    entries.sort(key=lambda e: e.event.captured_at)
    readable = sorted({e.plate for e in entries if e.plate})
    earliest = entries[0].event.captured_at - window
    open_cases: dict[tuple[str, str], _Case] = {}
    for plate_list in _chunks(readable):
        # Locked so that two batches merging into the same case cannot lose a count.
        candidates = (
            Violation.objects.select_for_update()
            .filter(
                camera=camera,
                plate__in=plate_list,
                status__in=Violation.OPEN_STATUSES,
                last_captured_at__gte=earliest,
            )
            .order_by("last_captured_at")
            .values_list(*_CASE_COLUMNS)
        )
        for values in candidates:
            case = _Case(*values)
            open_cases[(case.plate, case.violation_code)] = case
    opened: list[_Case] = []
    merged: dict[int, _Case] = {}
    numbers: set[str] = set()
    zone = timezone.get_current_timezone()
    year = now.astimezone(zone).year
    pool = _RandomPool(len(entries))
    deadlines = _Deadlines(zone)
    compose_number = composer(rules.TRACKING_PREFIX, year)
    for entry in entries:
        at = entry.event.captured_at
        key = (entry.plate, entry.event.violation)
        case = open_cases.get(key) if entry.plate else None
        if case is not None and case.first_captured_at - window <= at <= case.last_captured_at + window:
            case.first_captured_at = min(case.first_captured_at, at)
            case.last_captured_at = max(case.last_captured_at, at)
            case.capture_count += 1
            case.needs_review = case.needs_review or bool(entry.review)
            case.review_reasons = sorted(set(case.review_reasons) | set(entry.review))
            entry.result.outcome, entry.result.status = MERGED, 201
            if case.pk is not None:
                merged[case.pk] = case
        else:
            case = _new_case(camera, entry, numbers, deadlines, compose_number, pool)
            opened.append(case)
            entry.result.outcome, entry.result.status = ACCEPTED, 201
            if entry.plate:
                open_cases[key] = case
        entry.violation = case
        entry.result.review_reasons = list(entry.review)
    return opened, list(merged.values())


_CASE_COLUMNS = (
    "pk",
    "tracking_number",
    "plate",
    "violation_code",
    "first_captured_at",
    "last_captured_at",
    "capture_count",
    "needs_review",
    "review_reasons",
)


def _chunks(values, size=500):
    for start in range(0, len(values), size):
        yield values[start : start + size]


class _Deadlines:
    """The confirmation and payment deadlines of a capture day (WIB), computed once per day a batch."""

    def __init__(self, zone):
        self.zone = zone
        self.confirm = timedelta(days=rules.confirm_days())
        self.pay = timedelta(days=rules.pay_days())
        self.days: dict = {}

    def of(self, at: datetime):
        day = at.astimezone(self.zone).date()
        known = self.days.get(day)
        if known is None:
            known = self.days[day] = (day + self.confirm, day + self.pay)
        return known


def _new_case(
    camera, entry: _Checked, numbers: set[str], deadlines: _Deadlines, compose_number, pool
) -> _Case:
    kind = rules.VIOLATION_TYPES[entry.event.violation]
    at = entry.event.captured_at
    confirm_by, pay_by = deadlines.of(at)
    number = None
    while number is None or number in numbers:  # no check character, or drawn twice: draw again
        number = compose_number(pool.take(RANDOM_LENGTH))
    numbers.add(number)
    reasons = sorted(set(entry.review))
    return _Case(
        pk=None,
        tracking_number=number,
        plate=entry.plate,
        violation_code=kind.code,
        first_captured_at=at,
        last_captured_at=at,
        capture_count=1,
        needs_review=bool(reasons),
        review_reasons=reasons,
        row={
            "reference_code": reference_code_new(pool),
            "article": kind.article,
            "max_fine": kind.max_fine,
            "vehicle_class": entry.event.vehicle_class or "",
            "confirm_by": confirm_by,
            "pay_by": pay_by,
        },
    )


_TO_CROCKFORD = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", CROCKFORD)


def _random_crockford(length: int) -> str:
    """``length`` random Crockford characters from ``secrets`` (5 bits each)."""
    raw = secrets.token_bytes((5 * length + 7) // 8)
    return base64.b32encode(raw).decode("ascii")[:length].translate(_TO_CROCKFORD)


class _RandomPool:
    """Random Crockford characters for a whole batch, drawn from ``secrets`` in one call."""

    def __init__(self, codes: int):
        # A case takes a tracking number's 10 characters (drawn again in about 1 case of 7, when the
        # check character would not be Crockford) and a reference code's 10: 24 characters (15 bytes,
        # base 32 turning every 5 bytes into 8 characters) per code, and some to spare.
        raw = secrets.token_bytes(15 * codes + 40)
        self.text = base64.b32encode(raw).decode("ascii").translate(_TO_CROCKFORD)
        self.position = 0

    def take(self, length: int) -> str:
        if self.position + length > len(self.text):
            return _random_crockford(length)
        start, self.position = self.position, self.position + length
        return self.text[start : self.position]


def tracking_number_new(year: int | None = None, pool: _RandomPool | None = None) -> str:
    """An ETLE tracking number (``core.tracking``'s format and check character), drawn in bulk."""
    year = year or timezone.localdate().year
    while True:
        random_part = pool.take(RANDOM_LENGTH) if pool else _random_crockford(RANDOM_LENGTH)
        number = compose(rules.TRACKING_PREFIX, year, random_part)
        if number is not None:
            return number


def reference_code_new(pool: _RandomPool | None = None) -> str:
    """The owner's reference code: 10 Crockford characters (50 bits), unguessable, easy to type."""
    return pool.take(10) if pool else _random_crockford(10)


# --- Writing ----------------------------------------------------------------------------------------
# Rows go in with executemany on the table's own columns: the ORM's bulk_create spends most of its time
# compiling SQL for each small batch, which is what the ingestion benchmark measures.


class _Table:
    """INSERT of whole rows into a model's table: every column, defaults filled in, values adapted.

    The statement names the columns that differ between rows first (``varying``, in that order) and
    every other column after them, so that a row is the varying values plus one tuple (``tail``) of
    the batch's constants and the fields' defaults, adapted once. The caller adapts the varying date,
    time and JSON values with :meth:`adapt`; values shared by many rows (the batch's time, a day's
    deadlines, short JSON lists) are adapted once each.
    """

    def __init__(self, model, connection, varying: list[str], constants: dict):
        by_name = {f.attname: f for f in model._meta.concrete_fields if not f.primary_key}
        unknown = (set(varying) | set(constants)) - set(by_name)
        if unknown:
            raise ValueError(f"not columns of {model._meta.label}: {sorted(unknown)}")
        self.fields = [by_name[name] for name in varying] + [
            f for name, f in by_name.items() if name not in varying
        ]
        self.connection = connection
        self.adapters = {name: self._adapter(f) for name, f in by_name.items()}
        self.adapted: dict = {}
        tail = []
        for f in self.fields[len(varying) :]:
            value = constants[f.attname] if f.attname in constants else f.get_default()
            tail.append(self.adapt(f.attname, value, shared=True))
        self.tail = tuple(tail)
        quote = connection.ops.quote_name
        columns = ", ".join(quote(f.column) for f in self.fields)
        marks = ", ".join(["%s"] * len(self.fields))
        self.sql_head = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES "  # noqa: S608
        self.sql = f"{self.sql_head}({marks})"

    def _adapter(self, f):
        ops = self.connection.ops
        if isinstance(f, models.DateTimeField):
            if self.connection.vendor == "sqlite" and settings.USE_TZ and self.connection.timezone == UTC:
                return partial(_sqlite_utc_text, ops.adapt_datetimefield_value)
            return ops.adapt_datetimefield_value
        if isinstance(f, models.DateField):
            return ops.adapt_datefield_value
        if isinstance(f, models.JSONField):
            return partial(f.get_db_prep_save, connection=self.connection)
        return None

    def adapt(self, name: str, value, *, shared: bool = False):
        """``value`` as the database driver takes it for column ``name``; ``shared`` values (met in
        many rows) are adapted once."""
        adapt = self.adapters[name]
        if adapt is None or value is None:
            return value
        if not shared:
            return adapt(value)
        key = (adapt, tuple(value) if isinstance(value, list) else value)
        adapted = self.adapted.get(key)
        if adapted is None:
            adapted = self.adapted[key] = adapt(value)
        return adapted

    def insert(self, rows: list[tuple]) -> None:
        with self.connection.cursor() as cursor:
            if self.connection.vendor != "postgresql":
                # In-process SQLite: executemany of one prepared statement is the fastest way.
                for chunk in _chunks(rows, 500):
                    cursor.executemany(self.sql, chunk)
                return
            # A server: every statement is a round trip, so many rows go in each (within its
            # 65,535-parameter limit).
            per_statement = max(1, min(500, 30_000 // len(self.fields)))
            for chunk in _chunks(rows, per_statement):
                group = "(" + ", ".join(["%s"] * len(self.fields)) + ")"
                values = ", ".join([group] * len(chunk))
                cursor.execute(self.sql_head + values, [value for row in chunk for value in row])


def _sqlite_utc_text(adapt, value):
    """What Django's SQLite adapter writes for an aware datetime (the naive UTC time as text) without
    its per-call checks; anything else goes to ``adapt``."""
    if value.utcoffset() is None:
        return adapt(value)
    return str(value.astimezone(UTC).replace(tzinfo=None))


# The columns of a new violation and of a capture that differ from row to row, in statement order.
_VIOLATION_VARYING = [
    "tracking_number",
    "reference_code",
    "plate",
    "violation_code",
    "article",
    "max_fine",
    "vehicle_class",
    "first_captured_at",
    "last_captured_at",
    "capture_count",
    "needs_review",
    "review_reasons",
    "confirm_by",
    "pay_by",
]
_CAPTURE_VARYING = [
    "event_id",
    "captured_at",
    "plate_read",
    "plate",
    "confidence",
    "violation_code",
    "speed_kmh",
    "speed_limit_kmh",
    "lane",
    "vehicle_class",
    "vehicle_colour",
    "needs_review",
    "review_reasons",
    "payload_sha256",
    "violation_id",
]


def _write(actor, camera, entries: list[_Checked], opened, merged, *, source: str, now: datetime) -> None:
    connection = connections[Violation.objects.db]
    violations = _Table(
        Violation,
        connection,
        _VIOLATION_VARYING,
        {
            "status": Violation.CAPTURED,
            "unit_id": camera.unit_id,
            "camera_id": camera.pk,
            "created_at": now,
            "updated_at": now,
        },
    )
    adapt = violations.adapt
    rows = []
    for case in opened:
        row = case.row
        first_captured_at = adapt("first_captured_at", case.first_captured_at)
        rows.append(
            (
                case.tracking_number,
                row["reference_code"],
                case.plate,
                case.violation_code,
                row["article"],
                row["max_fine"],
                row["vehicle_class"],
                first_captured_at,
                first_captured_at
                if case.last_captured_at == case.first_captured_at
                else adapt("last_captured_at", case.last_captured_at),
                case.capture_count,
                case.needs_review,
                adapt("review_reasons", case.review_reasons, shared=True),
                adapt("confirm_by", row["confirm_by"], shared=True),
                adapt("pay_by", row["pay_by"], shared=True),
                *violations.tail,
            )
        )
    violations.insert(rows)
    ids = dict(
        select_in(
            f"SELECT tracking_number, id FROM {Violation._meta.db_table} WHERE tracking_number IN ",  # noqa: S608
            [case.tracking_number for case in opened],
        )
    )
    for case in opened:
        case.pk = ids[case.tracking_number]
    for case in merged:
        Violation.objects.filter(pk=case.pk).update(
            first_captured_at=case.first_captured_at,
            last_captured_at=case.last_captured_at,
            capture_count=case.capture_count,
            needs_review=case.needs_review,
            review_reasons=case.review_reasons,
            updated_at=now,
        )
    captures = _Table(
        Capture,
        connection,
        _CAPTURE_VARYING,
        {"camera_id": camera.pk, "received_at": now, "source": source},
    )
    captures.insert([_capture_row(captures, camera, entry) for entry in entries])
    _store_images(actor, camera, [entry for entry in entries if entry.images])
    ledger.record(
        actor=actor,
        action="etle.captures.ingested",
        subject=camera,
        data={
            "source": source,
            "accepted": [e.event.event_id for e in entries],
            "opened": [v.tracking_number for v in opened],
            "merged_into": [v.tracking_number for v in merged],
            "review": sum(1 for e in entries if e.review),
        },
    )


def _capture_row(table: _Table, camera, entry: _Checked) -> tuple:
    event = entry.event
    return (
        event.event_id,
        table.adapt("captured_at", event.captured_at),
        event.plate,
        entry.plate,
        event.confidence,
        event.violation,
        event.speed_kmh,
        event.speed_limit_kmh or (camera.speed_limit_kmh if event.speed_kmh else None),
        event.lane,
        event.vehicle_class or "",
        event.vehicle_colour,
        bool(entry.review),
        table.adapt("review_reasons", list(entry.review), shared=True),
        entry.payload_sha256,
        entry.violation.pk,
        *table.tail,
    )


def _store_images(actor, camera, entries: list[_Checked]) -> None:
    if not entries:
        return
    capture_ids = dict(
        Capture.objects.filter(camera=camera, event_id__in=[e.event.event_id for e in entries]).values_list(
            "event_id", "pk"
        )
    )
    links = []
    for entry in entries:
        seen = set()
        for role, upload, name in entry.images:
            stored = (
                upload
                if not hasattr(upload, "content")
                else file_store(
                    actor=actor,
                    content=upload.content,
                    original_name=name,
                    allowed_types=rules.IMAGE_TYPES,
                    max_bytes=rules.MAX_IMAGE_BYTES,
                )
            )
            if (stored.pk, role) in seen:
                continue
            seen.add((stored.pk, role))
            links.append(CaptureImage(capture_id=capture_ids[entry.event.event_id], file=stored, role=role))
    CaptureImage.objects.bulk_create(links)


# --- Files of events (bersih etle import) -----------------------------------------------------------


def event_rows(path, text=None):
    """(camera code, item dict) for each line of a JSON Lines file or row of a CSV file.

    A JSON line that is not JSON yields ``(None, error message)`` so the importer can report it.
    """
    handle = io.StringIO(text) if text is not None else open(path, encoding="utf-8", newline="")  # noqa: SIM115
    with handle:
        if str(path).endswith(".csv"):
            for row in csv.DictReader(handle):
                yield _csv_event(row)
            return
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError:
                yield None, _("Line %(line)d is not JSON.") % {"line": number}
                continue
            if not isinstance(item, dict):
                yield None, _("Line %(line)d is not a JSON object.") % {"line": number}
                continue
            yield item.pop("camera", None), item


_CSV_INTEGERS = ("confidence", "speed_kmh", "speed_limit_kmh", "lane")


def _csv_event(row: dict):
    row = {key: (value or "").strip() for key, value in row.items() if key}
    camera = row.pop("camera", None)
    item = {key: value for key, value in row.items() if value != ""}
    for key in _CSV_INTEGERS:
        if key in item and item[key].isdigit():
            item[key] = int(item[key])
    return camera, item


# --- The vehicle registry ---------------------------------------------------------------------------


@dataclass
class ImportSummary:
    created: int = 0
    updated: int = 0
    rejected: list = field(default_factory=list)  # (row number, reason)


def vehicles_import(*, actor, rows) -> ImportSummary:
    """Create or update registry rows (keyed by canonical plate); bad rows are listed, never stored."""
    summary = ImportSummary()
    valid: dict[str, Vehicle] = {}
    for number, row in enumerate(rows, start=2):  # row 1 of a CSV file is its header
        try:
            vehicle = _vehicle_from_row(row)
        except ValidationError as exc:
            summary.rejected.append((number, "; ".join(exc.messages)))
            continue
        valid[vehicle.plate] = vehicle
    with transaction.atomic():
        existing = set()
        plate_list = sorted(valid)
        for chunk in _chunks(plate_list):
            existing.update(Vehicle.objects.filter(plate__in=chunk).values_list("plate", flat=True))
        new = [v for p, v in valid.items() if p not in existing]
        changed = [v for p, v in valid.items() if p in existing]
        Vehicle.objects.bulk_create(new, batch_size=500)
        if changed:
            ids = {}
            for chunk in _chunks(sorted(p for p in existing)):
                ids.update(Vehicle.objects.filter(plate__in=chunk).values_list("plate", "pk"))
            for vehicle in changed:
                vehicle.pk = ids[vehicle.plate]
            Vehicle.objects.bulk_update(changed, VEHICLE_FIELDS[1:], batch_size=500)
        summary.created, summary.updated = len(new), len(changed)
        if new or changed:
            ledger.record(
                actor=actor,
                action="etle.vehicles.imported",
                subject=("etle.vehicle", "", "registry"),
                data={
                    "created": summary.created,
                    "updated": summary.updated,
                    "rejected": len(summary.rejected),
                },
            )
    return summary


def _vehicle_from_row(row: dict) -> Vehicle:
    row = {key: (value or "").strip() if isinstance(value, str) else value for key, value in row.items()}
    unknown = set(row) - set(VEHICLE_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown columns: %(columns)s.") % {"columns": ", ".join(sorted(unknown))})
    try:
        plate = plates.parse(row.get("plate", ""))
    except plates.PlateError as exc:
        raise ValidationError(exc.message) from None
    if plate.ambiguous:
        raise ValidationError(_("The plate mixes up O/0 or I/1."))
    valid_until = row.get("registration_valid_until") or None
    vehicle = Vehicle(
        plate=str(plate),
        owner_name=row.get("owner_name", ""),
        owner_address=row.get("owner_address", ""),
        phone=row.get("phone", ""),
        email=row.get("email", ""),
        vehicle_class=row.get("vehicle_class", ""),
        make=row.get("make", ""),
        colour=row.get("colour", ""),
        registration_valid_until=valid_until,
        blocked=str(row.get("blocked", "")).lower() in ("1", "true", "yes", "ya"),
    )
    vehicle.full_clean(exclude=["plate"], validate_unique=False, validate_constraints=False)
    return vehicle

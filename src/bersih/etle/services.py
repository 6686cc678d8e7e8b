"""Every write of ETLE. Ingestion: one pipeline for the JSON API, Hikvision pushes and file imports.

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

import csv
import hashlib
import io
import json
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from pydantic import ValidationError as PydanticError

from bersih import ledger
from bersih.core.tracking import CROCKFORD, new_tracking_number
from bersih.documents.services import file_store, upload_check

from . import plates, rules
from .models import Camera, Capture, CaptureImage, Vehicle, Violation
from .registry import registry
from .schemas import EventIn

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
    violation: Violation | None = None
    capture: Capture | None = None


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


def _ingest_once(*, actor, camera, items, source, files):
    now = timezone.now()
    results: list[ItemResult] = []
    checked: list[_Checked] = []
    first_of: dict[str, _Checked | ItemResult] = {}
    for index, item in enumerate(items):
        result = ItemResult(index=index, event_id=_event_id_of(item))
        results.append(result)
        try:
            entry = _check_item(camera, item, result, now=now, files=files)
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
    found = {}
    for start in range(0, len(event_ids), 500):
        rows = Capture.objects.filter(camera=camera, event_id__in=event_ids[start : start + 500]).values_list(
            "event_id", "violation__tracking_number", "payload_sha256"
        )
        for event_id, tracking_number, payload_sha256 in rows:
            found[event_id] = (tracking_number, payload_sha256)
    return found


# --- Checking one item ------------------------------------------------------------------------------


def payload_hash(item: dict) -> str:
    canonical = json.dumps(item, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _check_item(camera, item, result: ItemResult, *, now: datetime, files) -> _Checked:
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
    _check_time(event.captured_at, now)
    kind = _check_violation(camera, event)
    review: list[str] = []
    plate = _check_plate(event, review)
    if event.confidence is not None and event.confidence < rules.review_confidence() and plate:
        review.append("low_confidence")
    if event.vehicle_class and event.vehicle_class not in kind.classes:
        review.append("class_mismatch")
    images = _check_images(event, files)
    roles = {role for role, _upload, _name in images}
    if kind.evidence - {rules.SPEED} - roles:
        review.append("evidence_missing")
    return _Checked(result, event, plate, review, payload_hash(item), images)


def _check_time(captured_at: datetime, now: datetime) -> None:
    if captured_at > now + rules.FUTURE_SKEW:
        raise Rejected("event-time", _("The event time is in the future; check the camera's clock."))
    if captured_at < now - rules.MAX_EVENT_AGE:
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
        plate = plates.parse(event.plate)
    except plates.PlateError as exc:
        raise Rejected("invalid-plate", exc.message) from None
    if plate.ambiguous:
        review.append("ambiguous_characters")
    if not plate.known_region:
        review.append("unknown_region")
    return str(plate)


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


def _assign_violations(camera, entries: list[_Checked], *, now: datetime):
    """Attach each entry to an open violation within the merge window, or to a new one."""
    window = rules.merge_window()
    entries.sort(key=lambda e: e.event.captured_at)
    readable = {e.plate for e in entries if e.plate}
    earliest = entries[0].event.captured_at - window
    open_cases: dict[tuple[str, str], Violation] = {}
    for plate_list in _chunks(sorted(readable)):
        candidates = (
            Violation.objects.select_for_update()
            .filter(
                camera=camera,
                plate__in=plate_list,
                status__in=Violation.OPEN_STATUSES,
                last_captured_at__gte=earliest,
            )
            .order_by("last_captured_at")
        )
        for case in candidates:
            open_cases[(case.plate, case.violation_code)] = case
    opened: list[Violation] = []
    merged: dict[int, Violation] = {}
    numbers: set[str] = set()
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
            case = _new_violation(camera, entry, numbers)
            opened.append(case)
            entry.result.outcome, entry.result.status = ACCEPTED, 201
            if entry.plate:
                open_cases[key] = case
        entry.violation = case
        entry.result.review_reasons = list(entry.review)
    return opened, list(merged.values())


def _chunks(values, size=500):
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _new_violation(camera, entry: _Checked, numbers: set[str]) -> Violation:
    kind = rules.VIOLATION_TYPES[entry.event.violation]
    day = timezone.localtime(entry.event.captured_at).date()
    number = new_tracking_number(rules.TRACKING_PREFIX)
    while number in numbers:
        number = new_tracking_number(rules.TRACKING_PREFIX)
    numbers.add(number)
    return Violation(
        tracking_number=number,
        reference_code=reference_code_new(),
        status=Violation.CAPTURED,
        unit_id=camera.unit_id,
        camera=camera,
        plate=entry.plate,
        violation_code=kind.code,
        article=kind.article,
        max_fine=kind.max_fine,
        vehicle_class=entry.event.vehicle_class or "",
        first_captured_at=entry.event.captured_at,
        last_captured_at=entry.event.captured_at,
        capture_count=1,
        needs_review=bool(entry.review),
        review_reasons=sorted(set(entry.review)),
        confirm_by=day + timedelta(days=rules.confirm_days()),
        pay_by=day + timedelta(days=rules.pay_days()),
    )


def reference_code_new() -> str:
    """The owner's reference code: 10 Crockford characters (50 bits), unguessable, easy to type."""
    return "".join(secrets.choice(CROCKFORD) for _ in range(10))


# --- Writing ----------------------------------------------------------------------------------------


def _write(actor, camera, entries: list[_Checked], opened, merged, *, source: str, now: datetime) -> None:
    Violation.objects.bulk_create(opened, batch_size=500)
    if merged:
        Violation.objects.bulk_update(
            merged,
            ["first_captured_at", "last_captured_at", "capture_count", "needs_review", "review_reasons"],
            batch_size=500,
        )
    captures = []
    for entry in entries:
        event = entry.event
        entry.capture = Capture(
            camera=camera,
            event_id=event.event_id,
            captured_at=event.captured_at,
            received_at=now,
            source=source,
            plate_read=event.plate,
            plate=entry.plate,
            confidence=event.confidence,
            violation_code=event.violation,
            speed_kmh=event.speed_kmh,
            speed_limit_kmh=event.speed_limit_kmh or (camera.speed_limit_kmh if event.speed_kmh else None),
            lane=event.lane,
            vehicle_class=event.vehicle_class or "",
            vehicle_colour=event.vehicle_colour,
            needs_review=bool(entry.review),
            review_reasons=list(entry.review),
            payload_sha256=entry.payload_sha256,
            violation=entry.violation,
        )
        captures.append(entry.capture)
    Capture.objects.bulk_create(captures, batch_size=500)
    _store_images(actor, entries)
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


def _store_images(actor, entries: list[_Checked]) -> None:
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
            links.append(CaptureImage(capture=entry.capture, file=stored, role=role))
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

_VEHICLE_COLUMNS = [
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
            Vehicle.objects.bulk_update(changed, _VEHICLE_COLUMNS[1:], batch_size=500)
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
    unknown = set(row) - set(_VEHICLE_COLUMNS)
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

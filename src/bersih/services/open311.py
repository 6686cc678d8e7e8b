"""Open311 GeoReport v2 for Sipmas: which services an Open311 client sees, how a case reads to the
public, how a POST becomes ``case_submit``'s arguments, and the spec's JSON and XML shapes.

The mapping (docs/services.md, "Open311"):

* services — every service request Sipmas holds that may be filed online (``skck``, ``sktlk``, ``lp``,
  ``keramaian``) and the complaints of the non-sensitive categories (``dumas-service_quality``,
  ``dumas-information``, ``dumas-aspiration``). Pungli and misconduct reports are not offered: they
  belong to the protected channels (the complaint form, the mailbox, SP4N-LAPOR!), not to a third-party
  app that would hold the reporter's identity.
* a case, to the public — its tracking number, service, ``open``/``closed``, the name of its current
  public step, the handling unit, the dates and the deadline. Never who filed it, nor what they wrote,
  nor where (description, address and position stay empty): the services here are personal matters
  (a clearance, a loss, a crime), not potholes. Reports of pungli and misconduct and confidential
  (rahasia) complaints are never listed nor found.
"""

from __future__ import annotations

import json
import math
import re
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from xml.etree import ElementTree

from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bersih.documents import rules as document_rules

from . import rules
from .models import Case
from .services import Upload

FORMATS = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
COMPLAINT_PREFIX = f"{rules.COMPLAINT.code}-"
# A case the public may see through Open311: not a report of pungli or misconduct, not confidential.
PUBLIC_CASES = ~Q(category__in=sorted(rules.SENSITIVE_CATEGORIES)) & ~Q(privacy="rahasia")
# Attributes that are not upload requirements, per service: the date the service is about.
DATE_ATTRIBUTE = "occurred_on"
_DATE_LABELS = {
    "sktlk": gettext_lazy("Date of the loss"),
    "lp": gettext_lazy("Date of the event"),
    "keramaian": gettext_lazy("Date of the event (at least 7 days from today)"),
}
NIK_ATTRIBUTE = "nik"


class Open311Error(Exception):
    """A refusal in the spec's shape: an HTTP status and one or more descriptions."""

    def __init__(self, status: int, *descriptions: str):
        super().__init__(descriptions[0] if descriptions else str(status))
        self.status = status
        self.descriptions = [str(d) for d in descriptions] or [str(status)]

    def body(self) -> list[dict]:
        return [{"code": self.status, "description": d} for d in self.descriptions]


# --- Services -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Open311Service:
    code: str  # the Open311 service_code
    standard: rules.ServiceStandard
    category: str = ""  # for complaints

    @property
    def name(self) -> str:
        if self.category:
            label = rules.COMPLAINT_CATEGORIES[self.category]["label"]
            return f"{self.standard.name}: {label}"
        return str(self.standard.name)

    def attributes(self) -> list[dict]:
        """The service's own fields as Open311 attributes (none for complaints)."""
        if self.category:
            return []
        code = self.standard.code
        found = []
        if code in _DATE_LABELS:
            found.append(
                _attribute(
                    DATE_ATTRIBUTE,
                    str(_DATE_LABELS[code]),
                    "datetime",
                    required=True,
                    hint=_("A date, YYYY-MM-DD."),
                )
            )
        found.append(
            _attribute(
                NIK_ATTRIBUTE,
                _("NIK of the applicant (16 digits, on the KTP)"),
                "string",
                required=code == rules.SKCK.code,
                hint=_("16 digits."),
            )
        )
        for requirement in self.standard.requirements:
            if not requirement.upload:
                continue
            found.append(
                _attribute(
                    requirement.code,
                    str(requirement.label),
                    "string",
                    required=requirement.required,
                    hint=_(
                        "A file (PDF, JPEG or PNG): send it as the multipart/form-data file part "
                        "attribute[%(code)s]."
                    )
                    % {"code": requirement.code},
                )
            )
        for order, attribute in enumerate(found, start=1):
            attribute["order"] = order
        return found


def _attribute(code: str, description: str, datatype: str, *, required: bool, hint: str) -> dict:
    return {
        "variable": True,
        "code": code,
        "datatype": datatype,
        "required": required,
        "datatype_description": str(hint),
        "order": 0,
        "description": str(description),
    }


def open311_services() -> list[Open311Service]:
    found = [
        Open311Service(code, rules.SERVICES[code])
        for code in rules.REQUEST_SERVICES
        if rules.SERVICES[code].online
    ]
    found += [
        Open311Service(f"{COMPLAINT_PREFIX}{category}", rules.COMPLAINT, category)
        for category in rules.COMPLAINT_CATEGORIES
        if category not in rules.SENSITIVE_CATEGORIES
    ]
    return found


def open311_service(code: str) -> Open311Service:
    for service in open311_services():
        if service.code == code:
            return service
    raise Open311Error(404, _("No service with the code given."))


def service_dict(service: Open311Service) -> dict:
    return {
        "service_code": service.code,
        "service_name": service.name,
        "description": str(service.standard.time_limit),
        "metadata": bool(service.attributes()),
        "type": "realtime",
        "keywords": "pengaduan, dumas" if service.category else service.standard.prefix.lower(),
        "group": str(_("Complaints")) if service.category else str(_("Service requests")),
    }


def service_definition_dict(service: Open311Service) -> dict:
    return {"service_code": service.code, "attributes": service.attributes()}


# --- Cases, to the public -----------------------------------------------------------------------------


def _instant(value: datetime | None) -> str | None:
    if value is None:
        return None
    return timezone.localtime(value).replace(microsecond=0).isoformat()


def service_code_of(case: Case) -> str:
    return f"{COMPLAINT_PREFIX}{case.category}" if case.is_complaint else case.service


def service_name_of(case: Case) -> str:
    if case.is_complaint:
        label = rules.COMPLAINT_CATEGORIES.get(case.category, {}).get("label", case.category)
        return f"{case.standard.name}: {label}"
    return str(case.standard.name)


def request_dict(case: Case) -> dict:
    """A case as the public sees it through Open311: no personal data, no free text, no place."""
    step = case.step
    return {
        "service_request_id": case.tracking_number,
        "status": "closed" if case.closed_at else "open",
        "status_notes": str(step.label) if step.public else "",
        "service_name": service_name_of(case),
        "service_code": service_code_of(case),
        "description": "",
        "agency_responsible": case.unit.name,
        "service_notice": str(case.standard.time_limit),
        "requested_datetime": _instant(case.submitted_at),
        "updated_datetime": _instant(case.updated_at),
        "expected_datetime": None if case.closed_at else _instant(case.due_at),
        "address": "",
        "address_id": "",
        "zipcode": "",
        "lat": None,
        "long": None,
        "media_url": "",
    }


# --- GET requests: the filters ------------------------------------------------------------------------


@dataclass
class RequestQuery:
    ids: list[str] = field(default_factory=list)
    services: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    start: datetime | None = None
    end: datetime | None = None
    page: int = 1
    page_size: int = rules.OPEN311_PAGE_SIZE


def _split(value: str) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _parse_instant(value: str, name: str, *, end: bool) -> datetime:
    value = value.strip()
    parsed = None
    try:
        parsed = parse_datetime(value.replace(" ", "+")) if "T" in value else None
        day = None if parsed else parse_date(value)
    except ValueError:
        day = None
    found = parsed or day
    if found is not None and not 1900 <= found.year <= 2999:
        raise Open311Error(400, _("%(name)s lies outside the years 1900 to 2999.") % {"name": name})
    if parsed is None and day is not None:
        bound = datetime.combine(day + timedelta(days=1) if end else day, time.min)
        return timezone.make_aware(bound)
    if parsed is None:
        raise Open311Error(
            400,
            _("%(name)s is not a date and time in the W3C format (e.g. 2026-01-31T08:00:00+07:00).")
            % {"name": name},
        )
    if timezone.is_naive(parsed):
        raise Open311Error(
            400, _("%(name)s needs a time zone (Z or an offset such as +07:00).") % {"name": name}
        )
    return parsed


def _positive_int(value: str, name: str, *, low: int, high: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = None
    if number is None or not low <= number <= high:
        raise Open311Error(
            400,
            _("%(name)s must be a whole number from %(low)s to %(high)s.")
            % {"name": name, "low": low, "high": high},
        )
    return number


def parse_request_query(params, now: datetime | None = None) -> RequestQuery:
    """The filters of GET requests as the spec names them; any bad one is a 400 in the spec's shape."""
    now = now or timezone.now()
    query = RequestQuery()
    query.ids = _split(params.get("service_request_id", ""))
    if len(query.ids) > rules.OPEN311_MAX_IDS:
        raise Open311Error(400, _("At most %(n)s ids in service_request_id.") % {"n": rules.OPEN311_MAX_IDS})
    query.services = _split(params.get("service_code", ""))
    known = {s.code for s in open311_services()}
    unknown = [code for code in query.services if code not in known]
    if unknown:
        raise Open311Error(400, _("Unknown service_code."))
    query.statuses = [s.lower() for s in _split(params.get("status", ""))]
    if any(s not in ("open", "closed") for s in query.statuses):
        raise Open311Error(400, _("status must be open, closed or both (comma-separated)."))
    window = timedelta(days=rules.OPEN311_WINDOW_DAYS)
    start = end = None
    if params.get("start_date"):
        start = _parse_instant(params["start_date"], "start_date", end=False)
    if params.get("end_date"):
        end = _parse_instant(params["end_date"], "end_date", end=True)
    if start and end and end < start:
        raise Open311Error(400, _("end_date lies before start_date."))
    if start and end and end - start > window:
        raise Open311Error(
            400, _("The dates may span at most %(days)s days.") % {"days": rules.OPEN311_WINDOW_DAYS}
        )
    if start is None and end is None:
        start, end = now - window, now
    elif end is None:
        end = start + window
    elif start is None:
        start = end - window
    query.start, query.end = start, end
    size = params.get("page_size")
    if size not in (None, ""):
        query.page_size = _positive_int(size, "page_size", low=1, high=rules.OPEN311_PAGE_SIZE_MAX)
    page = params.get("page")
    if page not in (None, ""):
        deepest = rules.OPEN311_MAX_OFFSET // query.page_size + 1
        query.page = _positive_int(page, "page", low=1, high=deepest)
    return query


def requests_matching(query: RequestQuery, jurisdiction=None):
    """The public cases matching ``query`` (in ``jurisdiction``, a Polres, if given), newest first, one
    page, in one query."""
    cases = Case.objects.filter(PUBLIC_CASES).select_related("unit")
    if jurisdiction is not None:
        cases = cases.filter(unit__path__startswith=jurisdiction.path)
    if query.ids:
        # The spec: a list of ids overrides every other filter.
        wanted = [number.upper() for number in query.ids]
        return list(cases.filter(tracking_number__in=wanted).order_by("-submitted_at", "-id"))
    cases = cases.filter(submitted_at__gte=query.start, submitted_at__lt=query.end)
    if query.services:
        condition = Q()
        for code in query.services:
            if code.startswith(COMPLAINT_PREFIX):
                condition |= Q(service=rules.COMPLAINT.code, category=code[len(COMPLAINT_PREFIX) :])
            else:
                condition |= Q(service=code)
        cases = cases.filter(condition)
    if set(query.statuses) == {"open"}:
        cases = cases.filter(closed_at__isnull=True)
    elif set(query.statuses) == {"closed"}:
        cases = cases.filter(closed_at__isnull=False)
    offset = (query.page - 1) * query.page_size
    return list(cases.order_by("-submitted_at", "-id")[offset : offset + query.page_size])


def public_case(tracking_number: str) -> Case:
    case = (
        Case.objects.filter(PUBLIC_CASES, tracking_number=tracking_number.strip().upper())
        .select_related("unit")
        .first()
    )
    if case is None:
        raise Open311Error(404, _("No service request with this id."))
    return case


# --- POST requests ------------------------------------------------------------------------------------


def _text(params, name: str) -> str:
    value = params.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def _coordinate(value: str, name: str, limit: int) -> Decimal:
    try:
        number = Decimal(value.strip())
    except (InvalidOperation, AttributeError):
        number = None
    if number is None or not number.is_finite() or not -limit <= number <= limit:
        raise Open311Error(
            400, _("%(name)s must be a number from -%(limit)s to %(limit)s.") % {"name": name, "limit": limit}
        )
    return number.quantize(Decimal("0.000001"))


def new_intake_token() -> str:
    return secrets.token_urlsafe(18)


def submission_arguments(service: Open311Service, params, files, *, today: date) -> dict:
    """``case_submit``'s keyword arguments for an Open311 POST (less the actor, the unit and the token).

    Raises Open311Error(400) listing every bad field; the intake checks the rest (and writes nothing)."""
    errors = []
    description = params.get("description", "") or ""
    if len(description) > rules.DESCRIPTION_MAX:
        errors.append(_("description may have at most %(n)s characters.") % {"n": rules.DESCRIPTION_MAX})
    description = description.strip()
    lat, lng = _text(params, "lat"), _text(params, "long")
    latitude = longitude = None
    if bool(lat) != bool(lng):
        errors.append(_("lat and long go together: give both or neither."))
    elif lat:
        try:
            latitude = _coordinate(lat, "lat", 90)
            longitude = _coordinate(lng, "long", 180)
        except Open311Error as exc:
            errors.extend(exc.descriptions)
    address = _text(params, "address_string")
    if len(address) > 300:
        errors.append(_("address_string may have at most %(n)s characters.") % {"n": 300})
    name = " ".join(p for p in (_text(params, "first_name"), _text(params, "last_name")) if p)
    attributes = {}
    for key in params:
        if key.startswith("attribute[") and key.endswith("]"):
            attributes[key[len("attribute[") : -1]] = _text(params, key)
    known = {a["code"] for a in service.attributes()}
    uploads_wanted = set()
    if not service.category:
        uploads_wanted = {r.code for r in service.standard.requirements if r.upload}
    unknown = sorted(set(attributes) - known)
    if unknown:
        # Named back only when shaped like a code (the input is not echoed otherwise).
        shown = [code if re.fullmatch(r"[\w-]{1,40}", code) else "?" for code in unknown[:5]]
        errors.append(_("Unknown attribute: %(codes)s.") % {"codes": ", ".join(shown)})
    uploads = []
    for key in files:
        if key == "media" or key == "media[]":
            for upload in files.getlist(key)[: rules.MAX_ATTACHMENTS]:
                uploads.append(Upload(upload.read(document_rules.MAX_PDF_BYTES + 1), upload.name or "", ""))
            continue
        code = key[len("attribute[") : -1] if key.startswith("attribute[") and key.endswith("]") else None
        if code not in uploads_wanted:
            errors.append(_("Unexpected file part."))
            continue
        upload = files[key]
        uploads.append(Upload(upload.read(document_rules.MAX_PDF_BYTES + 1), upload.name or "", code))
    for code in uploads_wanted & set(attributes):
        errors.append(_("attribute[%(code)s] must be sent as a file.") % {"code": code})
    occurred_on = None
    if DATE_ATTRIBUTE in known:
        raw = attributes.get(DATE_ATTRIBUTE, "")
        try:
            occurred_on = parse_date(raw[:10]) if raw else None
        except ValueError:
            occurred_on = None
        if occurred_on is None:
            errors.append(_("attribute[%(code)s] must be a date, YYYY-MM-DD.") % {"code": DATE_ATTRIBUTE})
        elif service.standard.code == rules.CROWD_PERMIT.code:
            if occurred_on < today + timedelta(days=rules.CROWD_PERMIT_LEAD_DAYS):
                errors.append(
                    _("An event permit is asked for at least %(n)s days before the event.")
                    % {"n": rules.CROWD_PERMIT_LEAD_DAYS}
                )
        elif occurred_on > today:
            errors.append(_("attribute[%(code)s] lies in the future.") % {"code": DATE_ATTRIBUTE})
    if errors:
        raise Open311Error(400, *errors)
    contacts = {"email": _text(params, "email"), "phone": _text(params, "phone")}
    if service.category:
        # A complaint with a name is named; without one it is anonymous, and nothing else is kept.
        privacy = "named" if name else "anonim"
        requester = {"full_name": name, **contacts} if name else None
    else:
        privacy = "named"
        requester = {"full_name": name, "nik": attributes.get(NIK_ATTRIBUTE, ""), **contacts}
    title = description.splitlines()[0].strip() if description else ""
    return {
        "service": service.standard.code,
        "category": service.category,
        "privacy": privacy,
        "channel": "open311",
        "title": (title or service.name)[: rules.TITLE_MAX],
        "description": description,
        "requester": requester,
        "address": address,
        "latitude": latitude,
        "longitude": longitude,
        "occurred_on": occurred_on,
        "uploads": uploads,
    }


def validation_descriptions(exc) -> list[str]:
    """The messages of the intake's ValidationError, each with its Open311 field name."""
    names = {
        "full_name": "first_name/last_name",
        "nik": f"attribute[{NIK_ATTRIBUTE}]",
        "title": "description",
        "attachments": "attribute[...]",
    }
    if hasattr(exc, "error_dict"):
        return [
            f"{names.get(field, field)}: {message}"
            for field, errors in exc.message_dict.items()
            for message in errors
        ]
    return list(exc.messages)


# --- The spec's shapes --------------------------------------------------------------------------------

# The element name of each list's items in XML.
_ITEM_NAMES = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
}


def _xml_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and not math.isfinite(value):
        return ""
    return str(value)


def _xml_fill(element: ElementTree.Element, value) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _xml_fill(ElementTree.SubElement(element, key), item)
    elif isinstance(value, list):
        item_name = _ITEM_NAMES.get(element.tag, "item")
        for item in value:
            _xml_fill(ElementTree.SubElement(element, item_name), item)
    else:
        element.text = _xml_value(value)


def render(data, root: str, fmt: str) -> bytes:
    """``data`` (a list, or the dict of a service definition) in JSON or in XML under ``root``.

    JSON escapes <, > and & as \\u escapes, so no answer ever carries raw markup."""
    if fmt == "json":
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
        return text.encode("utf-8")
    element = ElementTree.Element(root)
    if isinstance(data, dict):
        _xml_fill(element, data)
    else:
        item_name = _ITEM_NAMES.get(root, "item")
        for item in data:
            _xml_fill(ElementTree.SubElement(element, item_name), item)
    return ElementTree.tostring(element, encoding="utf-8", xml_declaration=True)

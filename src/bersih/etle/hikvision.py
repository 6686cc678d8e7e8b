"""Hikvision ISAPI ANPR pushes: ``anpr.xml`` (EventNotificationAlert) turned into a neutral event.

The XML is read with defusedxml: a document type declaration, entity declarations (the "billion
laughs") and external references are refused before anything is expanded.
"""

from __future__ import annotations

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET
from django.utils.translation import gettext as _

from . import rules

NS = "{http://www.hikvision.com/ver20/XMLSchema}"
MAX_XML_BYTES = 256 * 1024

# Hikvision's vehicleType values → our vehicle classes.
VEHICLE_TYPES = {
    "car": rules.CAR,
    "vehicle": rules.CAR,
    "SUVMPV": rules.CAR,
    "van": rules.CAR,
    "motorcycle": rules.MOTORCYCLE,
    "twoWheelVehicle": rules.MOTORCYCLE,
    "threeWheelVehicle": rules.MOTORCYCLE,
    "bus": rules.BUS,
    "buggy": rules.CAR,
    "truck": rules.GOODS,
    "largeTruck": rules.GOODS,
    "pickupTruck": rules.GOODS,
}
# pictureInfo/type → the role of the picture.
PICTURE_ROLES = {"licensePlatePicture": "plate", "detectionPicture": "scene", "vehiclePicture": "scene"}


class HikvisionError(ValueError):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


def _text(element, path: str) -> str:
    found = element.find(_qualify(path))
    return (found.text or "").strip() if found is not None and found.text else ""


def _qualify(path: str) -> str:
    return "/".join(NS + part for part in path.split("/"))


def parse_anpr(xml: bytes, *, camera) -> dict:
    """The neutral event (``schemas.EventIn`` as a dict) in an ANPR alert; :class:`HikvisionError`."""
    if len(xml) > MAX_XML_BYTES:
        raise HikvisionError("too-large", _("The XML document is too large."))
    try:
        root = SafeET.fromstring(xml, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise HikvisionError(
            "forbidden-xml", _("Document type declarations and entities are not accepted.")
        ) from None
    except SafeET.ParseError:
        raise HikvisionError("malformed-xml", _("The XML document is malformed.")) from None
    if root.tag != NS + "EventNotificationAlert":
        raise HikvisionError("not-anpr", _("Not a Hikvision EventNotificationAlert."))
    if _text(root, "eventType") != "ANPR":
        raise HikvisionError("not-anpr", _("Only ANPR events are accepted."))
    anpr = root.find(NS + "ANPR")
    if anpr is None:
        raise HikvisionError("not-anpr", _("The alert has no ANPR element."))
    when = _text(root, "dateTime")
    plate = _text(anpr, "licensePlate")
    if plate.lower() in ("unknown", "noplate"):
        plate = ""
    event_id = _text(root, "UUID") or f"{_text(root, 'channelID')}:{when}:{plate}"
    item: dict = {
        "event_id": event_id[:100],
        "captured_at": when,
        "plate": plate,
        "violation": _violation_code(anpr, camera),
    }
    confidence = _text(anpr, "confidenceLevel")
    if confidence:
        item["confidence"] = confidence
    vehicle_type = _text(anpr, "vehicleType")
    if vehicle_type in VEHICLE_TYPES:
        item["vehicle_class"] = VEHICLE_TYPES[vehicle_type]
    colour = _text(anpr, "vehicleInfo/color")
    if colour:
        item["vehicle_colour"] = colour[:40]
    speed = _text(anpr, "vehicleInfo/speed")
    if speed:
        item["speed_kmh"] = speed
    lane = _text(anpr, "laneNo") or _text(anpr, "vehicleInfo/laneNo")
    if lane:
        item["lane"] = lane
    pictures = []
    for info in anpr.iter(NS + "pictureInfo"):
        name, kind = _text(info, "fileName"), _text(info, "type")
        if name and kind in PICTURE_ROLES:
            pictures.append({"role": PICTURE_ROLES[kind], "part": name})
    if pictures:
        item["images"] = pictures
    return item


def _violation_code(anpr, camera) -> str:
    """``illegalInfo/illegalCode`` when it names one of our codes, else the camera's first rule."""
    code = _text(anpr, "illegalInfo/illegalCode")
    if code in rules.VIOLATION_TYPES:
        return code
    return camera.violation_codes[0] if camera.violation_codes else ""

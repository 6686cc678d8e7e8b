"""POST /api/v1/etle/events and /api/v1/etle/hikvision/{camera}: every bad input answered, nothing changed."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from bersih.etle.models import Capture, Violation
from bersih.etle.testing import EVENT_TIME, event, machine, png_bytes
from bersih.ledger.models import Entry

pytestmark = pytest.mark.usefixtures("english_messages")

EVENTS = "/api/v1/etle/events"


def post_json(client, body, headers):
    return client.post(EVENTS, data=json.dumps(body), content_type="application/json", **headers)


def nothing_written():
    return not Capture.objects.exists() and not Violation.objects.exists()


def test_a_batch_is_answered_item_by_item(client, etle):
    body = {"camera": etle.camera.code, "events": [event(1), event(2, plate="not a plate!")]}
    response = post_json(client, body, etle.client.headers)
    assert response.status_code == 200
    answer = response.json()
    assert (answer["accepted"], answer["rejected"]) == (1, 1)
    first, second = answer["items"]
    assert first["status"] == 201 and first["id"].startswith("ETLE-") and first["event_id"] == "evt-1"
    assert second["status"] == 422
    assert second["problem"]["type"].endswith("/invalid-plate")
    assert Violation.objects.get().tracking_number == first["id"]


def test_a_replayed_batch_answers_200_duplicate(client, etle):
    body = {"camera": etle.camera.code, "events": [event(1)]}
    first = post_json(client, body, etle.client.headers).json()["items"][0]
    again = post_json(client, body, etle.client.headers).json()
    assert again["duplicate"] == 1
    assert (again["items"][0]["status"], again["items"][0]["id"]) == (200, first["id"])
    assert Capture.objects.count() == 1


def test_multipart_batch_with_pictures(client, etle):
    batch = {"camera": etle.camera.code, "events": [event(1, images=[{"role": "scene", "part": "p1"}])]}
    response = client.post(
        EVENTS,
        data={"batch": json.dumps(batch), "p1": SimpleUploadedFile("p1.jpg", png_bytes(), "image/jpeg")},
        **etle.client.headers,
    )
    assert response.status_code == 200, response.content
    assert response.json()["items"][0]["status"] == 201
    assert Capture.objects.get().image_links.get().file.content_type == "image/png"


@pytest.mark.parametrize(
    "headers, status, kind",
    [
        ({}, 401, "unauthenticated"),
        ({"HTTP_AUTHORIZATION": "Bearer bsk_nothere000_" + "x" * 43}, 401, "unauthenticated"),
    ],
)
def test_no_or_unknown_key(client, etle, headers, status, kind):
    response = post_json(client, {"camera": etle.camera.code, "events": [event(1)]}, headers)
    assert response.status_code == status
    assert response.json()["type"].endswith(kind)
    assert nothing_written()


def test_unknown_or_inactive_camera_is_401(client, etle):
    response = post_json(client, {"camera": "cam-nowhere", "events": [event(1)]}, etle.client.headers)
    assert response.status_code == 401
    etle.camera.active = False
    etle.camera.save()
    response = post_json(client, {"camera": etle.camera.code, "events": [event(1)]}, etle.client.headers)
    assert response.status_code == 401
    assert nothing_written()


def test_a_camera_posting_as_another_is_403(client, etle):
    response = post_json(
        client, {"camera": etle.other_camera.code, "events": [event(1)]}, etle.client.headers
    )
    assert response.status_code == 403
    assert "cam-depok-01" in response.json()["detail"]
    assert nothing_written()


def test_a_key_without_the_scope_is_403(client, etle):
    reader = machine(etle.org.bks_satlantas, "Pembaca", scopes=("core:read",))
    etle.camera.api_client = reader.client
    etle.camera.save()
    response = post_json(client, {"camera": etle.camera.code, "events": [event(1)]}, reader.headers)
    assert response.status_code == 403
    assert nothing_written()


def test_a_staff_session_does_not_post_events(client, etle, make_user):
    from bersih.core.testing import sign_in

    officer = make_user("lantas", "officer", etle.org.bks_satlantas, language="en")
    sign_in(client, officer)
    response = client.post(
        EVENTS,
        data=json.dumps({"camera": etle.camera.code, "events": [event(1)]}),
        content_type="application/json",
    )
    assert response.status_code == 403
    assert "camera clients" in response.json()["detail"]
    assert nothing_written()


def test_malformed_json(client, etle):
    response = client.post(EVENTS, data=b"{not json", content_type="application/json", **etle.client.headers)
    assert response.status_code == 400
    assert response.json()["type"].endswith("/malformed-json")


@pytest.mark.parametrize(
    "body",
    [
        {"camera": "cam-tambun-01"},
        {"camera": "cam-tambun-01", "events": [], "extra": 1},
        {"camera": "cam-tambun-01", "events": "nope"},
        [1, 2, 3],
    ],
)
def test_envelope_that_does_not_fit(client, etle, body):
    response = post_json(client, body, etle.client.headers)
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"


def test_too_many_events(client, etle):
    body = {"camera": etle.camera.code, "events": [event(n) for n in range(1001)]}
    response = post_json(client, body, etle.client.headers)
    assert response.status_code == 422
    assert nothing_written()


def test_oversized_request(client, etle, settings):
    from bersih.etle import rules

    response = client.post(
        EVENTS,
        data=b"{}",
        content_type="application/json",
        CONTENT_LENGTH=str(rules.MAX_REQUEST_BYTES + 1),
        **etle.client.headers,
    )
    assert response.status_code == 413


# --- Hikvision ----------------------------------------------------------------------------------------

ANPR_XML = """<?xml version="1.0" encoding="UTF-8"?>
<EventNotificationAlert version="2.0" xmlns="http://www.hikvision.com/ver20/XMLSchema">
  <ipAddress>10.20.1.15</ipAddress>
  <portNo>80</portNo>
  <macAddress>bc:ad:28:11:22:33</macAddress>
  <channelID>1</channelID>
  <dateTime>{when}</dateTime>
  <activePostCount>1</activePostCount>
  <eventType>ANPR</eventType>
  <eventState>active</eventState>
  <eventDescription>ANPR</eventDescription>
  <channelName>Simpang Tambun</channelName>
  <UUID>{uuid}</UUID>
  <picNum>2</picNum>
  <ANPR>
    <country>ID</country>
    <licensePlate>{plate}</licensePlate>
    <originalLicensePlate>{plate}</originalLicensePlate>
    <line>1</line>
    <direction>forward</direction>
    <confidenceLevel>97</confidenceLevel>
    <plateType>unknown</plateType>
    <plateColor>black</plateColor>
    <vehicleType>car</vehicleType>
    <vehicleInfo><color>black</color><speed>0</speed></vehicleInfo>
    <pictureInfoList>
      <pictureInfo><fileName>licensePlatePicture.jpg</fileName><type>licensePlatePicture</type></pictureInfo>
      <pictureInfo><fileName>detectionPicture.jpg</fileName><type>detectionPicture</type></pictureInfo>
    </pictureInfoList>
  </ANPR>
</EventNotificationAlert>
"""


def anpr(uuid="b7e1c2d4-0001", plate="B1234FAB", when=None):
    return ANPR_XML.format(uuid=uuid, plate=plate, when=(when or EVENT_TIME).isoformat()).encode()


def push(client, etle, xml, camera=None, headers=None, pictures=True):
    data = {"anpr.xml": SimpleUploadedFile("anpr.xml", xml, "application/xml")}
    if pictures:
        data["licensePlatePicture.jpg"] = SimpleUploadedFile("licensePlatePicture.jpg", png_bytes((1, 2, 3)))
        data["detectionPicture.jpg"] = SimpleUploadedFile("detectionPicture.jpg", png_bytes((4, 5, 6)))
    url = f"/api/v1/etle/hikvision/{camera or etle.camera.code}"
    return client.post(url, data=data, **(headers if headers is not None else etle.client.headers))


def test_hikvision_push(client, etle):
    response = push(client, etle, anpr())
    assert response.status_code == 201, response.content
    capture = Capture.objects.get()
    assert (capture.event_id, capture.plate, capture.source) == ("b7e1c2d4-0001", "B 1234 FAB", "hikvision")
    assert capture.confidence == 97 and capture.vehicle_class == "car"
    assert capture.violation_code == "red_light"  # the camera's first enforced rule
    assert sorted(capture.image_links.values_list("role", flat=True)) == ["plate", "scene"]
    again = push(client, etle, anpr())
    assert again.status_code == 200 and again.json()["outcome"] == "duplicate"
    assert Capture.objects.count() == 1


def test_hikvision_push_as_plain_xml(client, etle):
    response = client.post(
        f"/api/v1/etle/hikvision/{etle.camera.code}",
        data=anpr(),
        content_type="application/xml",
        **etle.client.headers,
    )
    assert response.status_code == 201
    assert "evidence_missing" in response.json()["review"]


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<EventNotificationAlert xmlns="http://www.hikvision.com/ver20/XMLSchema"><eventType>&lol2;</eventType>
</EventNotificationAlert>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<EventNotificationAlert xmlns="http://www.hikvision.com/ver20/XMLSchema"><eventType>&xxe;</eventType>
</EventNotificationAlert>"""


@pytest.mark.parametrize(
    "xml, reason",
    [
        (BILLION_LAUGHS, "forbidden-xml"),
        (EXTERNAL_ENTITY, "forbidden-xml"),
        (b"<EventNotificationAlert><unclosed>", "malformed-xml"),
        (b"<Other xmlns='http://www.hikvision.com/ver20/XMLSchema'/>", "not-anpr"),
        (anpr().replace(b"<eventType>ANPR", b"<eventType>VMD"), "not-anpr"),
    ],
)
def test_hikvision_xml_tricks_and_garbage(client, etle, xml, reason):
    response = push(client, etle, xml)
    assert response.status_code == 400
    assert response.json()["reason"] == reason
    assert nothing_written()


def test_hikvision_bad_event_content(client, etle):
    response = push(client, etle, anpr(plate="!!!"))
    assert response.status_code == 422
    assert response.json()["type"].endswith("/invalid-plate")
    response = push(client, etle, anpr(when=EVENT_TIME.replace(year=EVENT_TIME.year + 1)))
    assert response.status_code == 422
    assert response.json()["type"].endswith("/event-time")
    assert nothing_written()


def test_hikvision_picture_that_is_not_a_picture(client, etle):
    data = {
        "anpr.xml": SimpleUploadedFile("anpr.xml", anpr()),
        "licensePlatePicture.jpg": SimpleUploadedFile("licensePlatePicture.jpg", b"%PDF-1.4 not a picture"),
    }
    response = client.post(f"/api/v1/etle/hikvision/{etle.camera.code}", data=data, **etle.client.headers)
    assert response.status_code == 422
    assert response.json()["type"].endswith("/invalid-image")
    assert nothing_written()


def test_hikvision_auth(client, etle):
    assert push(client, etle, anpr(), headers={}).status_code == 401
    assert push(client, etle, anpr(), camera="cam-nowhere").status_code == 401
    assert push(client, etle, anpr(), camera=etle.other_camera.code).status_code == 403
    assert nothing_written()


def test_hikvision_without_anpr_part(client, etle):
    response = client.post(
        f"/api/v1/etle/hikvision/{etle.camera.code}",
        data={"other": SimpleUploadedFile("x.xml", anpr())},
        **etle.client.headers,
    )
    assert response.status_code == 400
    assert nothing_written()


def test_refusals_leave_no_ledger_entry(client, etle):
    before = Entry.objects.filter(action="etle.captures.ingested").count()
    push(client, etle, BILLION_LAUGHS)
    answer = post_json(
        client, {"camera": etle.camera.code, "events": [event(1, plate="?")]}, etle.client.headers
    )
    assert answer.json()["rejected"] == 1
    assert Entry.objects.filter(action="etle.captures.ingested").count() == before


def test_the_readme_example_push_is_accepted(client, etle, registered):
    """docs/examples/hikvision: the files the README's walkthrough posts, for the demo's own car."""
    from pathlib import Path

    from django.utils import timezone

    from bersih.etle import demo

    examples = Path(__file__).resolve().parents[4] / "docs" / "examples" / "hikvision"
    xml = (examples / "anpr.xml").read_text().replace("WAKTU", timezone.now().isoformat())
    xml = xml.replace("NOMOR", "1")
    data = {
        "anpr.xml": SimpleUploadedFile("anpr.xml", xml.encode(), "application/xml"),
        **{
            name: SimpleUploadedFile(name, (examples / name).read_bytes())
            for name in ("licensePlatePicture.jpg", "detectionPicture.jpg")
        },
    }
    response = client.post(f"/api/v1/etle/hikvision/{etle.camera.code}", data=data, **etle.client.headers)
    assert response.status_code == 201, response.content
    assert response.json()["review"] == []  # a clean read of a registered car: ready to approve
    capture = Capture.objects.get()
    assert capture.plate == demo.WALKTHROUGH_PLATE == registered.plate
    assert sorted(capture.image_links.values_list("role", flat=True)) == ["plate", "scene"]

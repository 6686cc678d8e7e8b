"""Open311 GeoReport v2: the spec's shapes in JSON and XML, the filters, POST with an API key, the
error format for every bad input, and the privacy rules (no personal data, no sensitive reports)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from defusedxml import ElementTree
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bersih.core import apikeys
from bersih.ledger.models import Entry
from bersih.ledger.services import SYSTEM
from bersih.services import open311, services
from bersih.services.models import Case, Requester
from bersih.services.testing import NIK, PDF_BYTES, file_complaint, file_request

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_messages")]
BASE = "/open311/v2"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def _key(unit, name="Aplikasi Lapor", scopes=("services:open311",)) -> str:
    client = apikeys.apiclient_create(actor=SYSTEM, name=name, owner_unit=unit, scopes=list(scopes))
    return apikeys.apikey_issue(actor=SYSTEM, client=client, label="test")[1]


@pytest.fixture
def key(org):
    return _key(org.bks)


def _json(response):
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    return json.loads(response.content)


def _xml(response):
    assert response["Content-Type"].startswith("text/xml"), response["Content-Type"]
    assert response.content.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    return ElementTree.fromstring(response.content)


def _errors_json(response, status):
    assert response.status_code == status, response.content
    body = _json(response)
    assert isinstance(body, list) and body
    assert all(set(e) == {"code", "description"} and e["code"] == status for e in body)
    return " ".join(e["description"] for e in body)


def _errors_xml(response, status):
    assert response.status_code == status, response.content
    root = _xml(response)
    assert root.tag == "errors" and [e.tag for e in root] == ["error"] * len(root) and len(root)
    assert root[0].findtext("code") == str(status) and root[0].findtext("description")
    return root


def _complaint(client, key, **fields):
    data = {
        "api_key": key,
        "service_code": "dumas-service_quality",
        "first_name": "Rina",
        "last_name": "Wulandari",
        "email": "rina@example.id",
        "phone": "0813-1111-2222",
        "description": "Antrean loket SKCK lama sekali",
        "lat": "-6.2383",
        "long": "106.9756",
        "address_string": "Jl. Pramuka No. 1",
    }
    data.update(fields)
    return client.post(f"{BASE}/requests.json", {k: v for k, v in data.items() if v is not None})


# --- Services --------------------------------------------------------------------------------------


def test_services_list_in_json_and_xml_offers_requests_and_non_sensitive_complaints(client):
    body = _json(client.get(f"{BASE}/services.json"))
    codes = {s["service_code"]: s for s in body}
    assert {"skck", "sktlk", "lp", "keramaian", "dumas-service_quality", "dumas-aspiration"} <= set(codes)
    assert not {"dumas-pungli", "dumas-misconduct", "dumas", "sim", "etle"} & set(codes)
    assert codes["skck"]["metadata"] is True and codes["dumas-aspiration"]["metadata"] is False
    assert set(codes["skck"]) == {
        "service_code", "service_name", "description", "metadata", "type", "keywords", "group"
    }  # fmt: skip
    root = _xml(client.get(f"{BASE}/services.xml"))
    assert root.tag == "services" and {e.tag for e in root} == {"service"}
    assert {e.findtext("service_code") for e in root} == set(codes)
    skck = next(e for e in root if e.findtext("service_code") == "skck")
    assert skck.findtext("metadata") == "true"


def test_service_definition_lists_the_per_service_fields(client):
    body = _json(client.get(f"{BASE}/services/skck.json"))
    assert body["service_code"] == "skck"
    attributes = {a["code"]: a for a in body["attributes"]}
    assert attributes["nik"]["required"] is True and attributes["nik"]["datatype"] == "string"
    assert {"ktp", "kk", "birth", "photo"} <= set(attributes) and "fingerprints" not in attributes
    assert [a["order"] for a in body["attributes"]] == list(range(1, len(attributes) + 1))
    assert set(attributes["ktp"]) == {
        "variable", "code", "datatype", "required", "datatype_description", "order", "description"
    }  # fmt: skip
    assert _json(client.get(f"{BASE}/services/sktlk.json"))["attributes"][0]["datatype"] == "datetime"
    assert _json(client.get(f"{BASE}/services/dumas-aspiration.json"))["attributes"] == []
    root = _xml(client.get(f"{BASE}/services/skck.xml"))
    assert root.tag == "service_definition" and root.findtext("service_code") == "skck"
    assert {e.tag for e in root.find("attributes")} == {"attribute"}
    assert root.find("attributes/attribute/required").text in ("true", "false")


@pytest.mark.parametrize("code", ["nope", "dumas-pungli", "dumas-misconduct", "sim", "dumas"])
def test_unknown_or_hidden_service_codes_are_404_in_the_spec_format(client, code):
    _errors_json(client.get(f"{BASE}/services/{code}.json"), 404)
    _errors_xml(client.get(f"{BASE}/services/{code}.xml"), 404)


def test_unknown_formats_and_paths_answer_the_spec_error(client):
    _errors_xml(client.get(f"{BASE}/services.html"), 400)
    _errors_xml(client.get(f"{BASE}/nothing.xml"), 404)
    _errors_json(client.get(f"{BASE}/nothing.json"), 404)
    response = client.delete(f"{BASE}/services.json")
    _errors_json(response, 405)
    assert "GET" in response["Allow"]


# --- POST requests ---------------------------------------------------------------------------------


def test_a_complaint_is_filed_with_a_key_and_followed_by_id_and_token(client, key, org):
    response = _complaint(client, key)
    assert response.status_code == 200, response.content
    assert response["Cache-Control"] == "no-store"
    [answer] = _json(response)
    assert set(answer) == {"service_request_id", "token", "service_notice", "account_id", "secret"}
    case = Case.objects.get(tracking_number=answer["service_request_id"])
    assert case.channel == "open311" and case.service == "dumas" and case.category == "service_quality"
    assert case.privacy == "named" and case.intake_token == answer["token"]
    assert services.secret_matches(case.secret_digest, answer["secret"])
    assert str(case.latitude) == "-6.238300" and case.address == "Jl. Pramuka No. 1"
    requester = Requester.objects.get(case=case)
    assert requester.full_name == "Rina Wulandari" and requester.phone == "+6281311112222"
    entry = Entry.objects.get(action="services.case.submitted", subject_ref=case.tracking_number)
    assert entry.actor_kind == "client" and entry.data["channel"] == "open311"

    [found] = _json(client.get(f"{BASE}/tokens/{answer['token']}.json"))
    assert found == {"service_request_id": case.tracking_number, "token": answer["token"]}
    root = _xml(client.get(f"{BASE}/tokens/{answer['token']}.xml"))
    assert root.tag == "service_requests" and root.findtext("request/service_request_id") == str(case)
    _errors_json(client.get(f"{BASE}/tokens/not-a-token.json"), 404)

    [public] = _json(client.get(f"{BASE}/requests/{case.tracking_number}.json"))
    assert public["service_request_id"] == case.tracking_number and public["status"] == "open"
    assert public["service_code"] == "dumas-service_quality"
    assert public["agency_responsible"] == case.unit.name
    assert public["description"] == "" and public["address"] == "" and public["lat"] is None
    secret = answer["secret"]
    for text in ("Rina", "Wulandari", "rina@example.id", "1111", "Antrean", "Pramuka", "-6.23", secret):
        assert text not in client.get(f"{BASE}/requests/{case.tracking_number}.xml").content.decode()
        assert text not in client.get(f"{BASE}/requests.json").content.decode()


def test_a_complaint_without_a_name_is_anonymous_and_keeps_no_contact(client, key):
    response = _complaint(client, key, first_name="", last_name="", service_code="dumas-aspiration")
    [answer] = _json(response)
    case = Case.objects.get(tracking_number=answer["service_request_id"])
    assert case.privacy == "anonim" and not Requester.objects.filter(case=case).exists()


def test_the_key_may_come_in_the_usual_headers_and_xml_answers_in_the_spec_shape(client, key):
    data = {"service_code": "dumas-information", "description": "Jam buka SPKT?"}
    response = client.post(f"{BASE}/requests.xml", data, HTTP_AUTHORIZATION=f"Bearer {key}")
    root = _xml(response)
    assert response.status_code == 200 and root.tag == "service_requests"
    assert root.find("request/service_request_id").text and root.find("request/token").text
    assert client.post(f"{BASE}/requests.json", data, HTTP_X_API_KEY=key).status_code == 200
    assert Case.objects.filter(channel="open311").count() == 2


def test_a_service_request_is_filed_with_its_uploads_as_file_parts(client, key, org):
    data = {
        "api_key": key,
        "service_code": "sktlk",
        "first_name": "Siti",
        "last_name": "Aminah",
        "phone": "0812-3456-7890",
        "description": "Dompet hilang di pasar",
        "attribute[occurred_on]": (timezone.localdate() - timedelta(days=1)).isoformat(),
        "attribute[nik]": NIK,
        "attribute[ktp]": SimpleUploadedFile("ktp.pdf", PDF_BYTES, "application/pdf"),
    }
    response = client.post(f"{BASE}/requests.json", data)
    assert response.status_code == 200, response.content
    case = Case.objects.get(tracking_number=_json(response)[0]["service_request_id"])
    assert case.service == "sktlk" and case.unit == org.bks_spkt and case.title == "Dompet hilang di pasar"
    assert case.attachments.get().requirement == "ktp"
    assert case.requester.nik == NIK and case.occurred_on is not None


def _refused(client, before, response, status=400):
    text = _errors_json(response, status)
    assert Case.objects.count() == before
    return text


@pytest.mark.parametrize(
    ("fields", "status", "says"),
    [
        ({"api_key": None}, 403, "api_key"),
        ({"api_key": "bsk_wrong"}, 403, "api_key"),
        ({"api_key": "bsk_0123456789_" + "x" * 43}, 403, "api_key"),
        ({"service_code": None}, 400, "service_code"),
        ({"service_code": "nope"}, 404, ""),
        ({"service_code": "dumas-pungli"}, 404, ""),
        ({"lat": "91", "long": "106"}, 400, "lat"),
        ({"lat": "abc", "long": "106"}, 400, "lat"),
        ({"lat": "NaN", "long": "106"}, 400, "lat"),
        ({"lat": "-6.2", "long": "181"}, 400, "long"),
        ({"lat": "-6.2", "long": None}, 400, "lat and long"),
        ({"description": "x" * 4001}, 400, "4000"),
        ({"description": ""}, 400, "description"),
        ({"email": "not-an-email"}, 400, "email"),
        ({"address_string": "x" * 301}, 400, "address_string"),
        ({"attribute[colour]": "red"}, 400, "colour"),
        ({"jurisdiction_id": "nowhere"}, 404, "jurisdiction_id"),
    ],
)
def test_bad_posts_are_refused_in_the_spec_format_and_write_nothing(client, key, fields, status, says):
    text = _refused(client, 0, _complaint(client, key, **fields), status)
    assert says in text


def test_keys_without_the_scope_or_for_another_polres_are_refused(client, org, key):
    other = _key(org.bks, name="Kamera", scopes=("etle:events",))
    assert "may not" in _refused(client, 0, _complaint(client, other), 403)
    assert "jurisdiction" in _refused(client, 0, _complaint(client, key, jurisdiction_id="dpk"), 403)
    assert _complaint(client, key, jurisdiction_id="bks").status_code == 200


def test_a_request_without_its_fields_is_refused_with_each_named(client, key):
    data = {"api_key": key, "service_code": "skck", "description": "SKCK untuk melamar kerja"}
    assert "first_name/last_name" in _refused(client, 0, client.post(f"{BASE}/requests.json", data))
    data["first_name"] = "Siti"
    assert "attribute[nik]" in _refused(client, 0, client.post(f"{BASE}/requests.json", data))
    data.update({"attribute[nik]": NIK, "attribute[ktp]": "a text, not a file"})
    text = _refused(client, 0, client.post(f"{BASE}/requests.json", data))
    assert "attribute[ktp] must be sent as a file" in text
    del data["attribute[ktp]"]
    assert "attribute[...]: Missing" in _refused(client, 0, client.post(f"{BASE}/requests.json", data))
    bad_date = {"api_key": key, "service_code": "keramaian", "first_name": "Siti"}
    bad_date["attribute[occurred_on]"] = timezone.localdate().isoformat()
    assert "7 days" in _refused(client, 0, client.post(f"{BASE}/requests.json", bad_date))
    bad_date["attribute[occurred_on]"] = "31-12-2026"
    assert "YYYY-MM-DD" in _refused(client, 0, client.post(f"{BASE}/requests.json", bad_date))


def test_a_file_of_the_wrong_type_is_refused(client, key):
    data = {
        "api_key": key,
        "service_code": "sktlk",
        "first_name": "Siti",
        "description": "Dompet hilang",
        "attribute[occurred_on]": timezone.localdate().isoformat(),
        "attribute[ktp]": SimpleUploadedFile("ktp.exe", b"MZ\x90\x00 not a document", "application/pdf"),
    }
    _refused(client, 0, client.post(f"{BASE}/requests.json", data))


def test_an_oversized_body_is_413_and_writes_nothing(client, key, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2_000
    _refused(client, 0, _complaint(client, key, description="x" * 3_000), 413)


def test_an_unknown_attribute_with_markup_is_not_echoed(client, key):
    text = _refused(client, 0, _complaint(client, key, **{"attribute[<script>]": "x"}))
    assert "Unknown attribute: ?" in text and "script" not in text


def test_markup_is_escaped_in_both_formats():
    data = [{"code": 400, "description": "<script>alert(1)</script> & more"}]
    as_json = open311.render(data, "errors", "json").decode()
    assert "<" not in as_json and ">" not in as_json and "&" not in as_json
    assert json.loads(as_json) == data
    as_xml = open311.render(data, "errors", "xml").decode()
    assert "<script>" not in as_xml and "&lt;script&gt;" in as_xml and "&amp; more" in as_xml
    assert ElementTree.fromstring(as_xml.encode()).findtext("error/description") == data[0]["description"]


def test_markup_in_a_post_is_stored_as_text_and_never_served(client, key):
    response = _complaint(client, key, description="<script>alert('x')</script>", first_name="<b>Rina</b>")
    [answer] = _json(response)
    case = Case.objects.get(tracking_number=answer["service_request_id"])
    assert case.description == "<script>alert('x')</script>"
    for fmt in ("json", "xml"):
        body = client.get(f"{BASE}/requests/{case.tracking_number}.{fmt}").content.decode()
        assert "<script" not in body and "alert" not in body and "<b>" not in body


# --- GET requests ----------------------------------------------------------------------------------


@pytest.fixture
def cases(org):
    """A named SKCK request, an open and a closed complaint, a pungli report, a rahasia complaint."""
    skck = file_request(org, "skck").case
    quality = file_complaint(org, "service_quality", "named").case
    closed = file_complaint(org, "aspiration", "anonim").case
    Case.objects.filter(pk=closed.pk).update(status="closed", closed_at=timezone.now())
    pungli = file_complaint(org, "pungli", "anonim").case
    rahasia = file_complaint(org, "information", "rahasia", requester={"full_name": "Joko Rahasia"}).case
    return {"skck": skck, "quality": quality, "closed": closed, "pungli": pungli, "rahasia": rahasia}


def _ids(response):
    return [r["service_request_id"] for r in _json(response)]


def test_requests_lists_public_cases_newest_first_without_personal_data(client, cases, org):
    client.get(f"{BASE}/services.json")  # the read counter exists: later reads count alike
    with CaptureQueriesContext(connection) as few:
        response = client.get(f"{BASE}/requests.json")
    ids = _ids(response)
    expected = [cases[k].tracking_number for k in ("closed", "quality", "skck")]
    assert ids == expected
    body = response.content.decode() + client.get(f"{BASE}/requests.xml").content.decode()
    for private in ("Siti", "Aminah", NIK, "3456", "Budi", "budi@example.id", "Joko", "Rp200.000", "pasar"):
        assert private not in body
    assert cases["pungli"].tracking_number not in body and cases["rahasia"].tracking_number not in body
    root = _xml(client.get(f"{BASE}/requests.xml"))
    assert root.tag == "service_requests" and {e.tag for e in root} == {"request"}
    first = root[0]
    for name in ("service_request_id", "status", "status_notes", "service_name", "service_code",
                 "description", "agency_responsible", "service_notice", "requested_datetime",
                 "updated_datetime", "expected_datetime", "address", "lat", "long", "media_url"):  # fmt: skip
        assert first.find(name) is not None, name
    assert first.findtext("status") == "closed" and first.findtext("requested_datetime").endswith("+07:00")
    for n in range(3):
        file_complaint(org, "aspiration", "named", title=f"Saran {n}")
    with CaptureQueriesContext(connection) as more:
        assert len(_ids(client.get(f"{BASE}/requests.json"))) == 6
    # One query for the page whatever its size; the rest is the read counter in the cache.
    assert len(more) == len(few)
    assert [q["sql"] for q in more.captured_queries if "services_case" in q["sql"]] == [
        q["sql"]
        for q in more.captured_queries
        if "bersih_cache" not in q["sql"] and "SAVEPOINT" not in q["sql"]
    ]
    assert sum("services_case" in q["sql"] for q in more.captured_queries) == 1


def test_sensitive_and_confidential_cases_are_not_found(client, cases):
    for key in ("pungli", "rahasia"):
        number = cases[key].tracking_number
        _errors_json(client.get(f"{BASE}/requests/{number}.json"), 404)
        assert _ids(client.get(f"{BASE}/requests.json", {"service_request_id": number})) == []
    _errors_xml(client.get(f"{BASE}/requests/SKCK-2026-NOPE.xml"), 404)


def test_the_filters_of_the_spec(client, cases):
    get = lambda **params: _ids(client.get(f"{BASE}/requests.json", params))  # noqa: E731
    number = lambda key: cases[key].tracking_number  # noqa: E731
    assert get(status="closed") == [number("closed")]
    assert get(status="open") == [number("quality"), number("skck")]
    assert get(status="open,closed") == get()
    assert get(service_code="skck") == [number("skck")]
    assert get(service_code="skck,dumas-aspiration") == [number("closed"), number("skck")]
    ids = f"{number('skck')},{number('pungli')},{number('quality').lower()}"
    assert get(service_request_id=ids, status="closed") == [number("quality"), number("skck")]
    assert get(page_size="1") == [number("closed")]
    assert get(page_size="1", page="2") == [number("quality")]
    today = timezone.localdate()
    assert get(start_date=today.isoformat()) == get()
    assert get(end_date=(today - timedelta(days=1)).isoformat()) == []
    long_ago = (timezone.now() - timedelta(days=200)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert get(start_date=long_ago) == []  # the window is 90 days from the start
    assert get(start_date=today.isoformat(), jurisdiction_id="bks") == get()
    assert get(jurisdiction_id="dpk") == []


@pytest.mark.parametrize(
    ("params", "says"),
    [
        ({"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"}, "90"),
        ({"start_date": "2026-03-01T00:00:00Z", "end_date": "2026-02-01T00:00:00Z"}, "before"),
        ({"start_date": "2026-03-01T00:00:00"}, "time zone"),
        ({"start_date": "yesterday"}, "start_date"),
        ({"end_date": "2026-13-45"}, "end_date"),
        ({"end_date": "9999-12-31"}, "end_date"),
        ({"start_date": "0001-01-01T00:00:00Z"}, "start_date"),
        ({"status": "pending"}, "status"),
        ({"service_code": "skck,nope"}, "service_code"),
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "501"}, "page_size"),
        ({"page": "x"}, "page"),
        ({"page": "100000"}, "page"),
        ({"service_request_id": ",".join(["SKCK-2026-X"] * 51)}, "50"),
        ({"jurisdiction_id": "atlantis"}, "jurisdiction_id"),
    ],
)
def test_bad_filters_are_400_in_the_spec_format(client, params, says):
    status = 404 if "jurisdiction_id" in params else 400
    assert says in _errors_json(client.get(f"{BASE}/requests.json", params), status)
    _errors_xml(client.get(f"{BASE}/requests.xml", params), status)


def test_public_reads_are_rate_limited(client, settings, monkeypatch):
    from bersih.services import rules

    monkeypatch.setattr(rules, "OPEN311_READS_PER_MINUTE", 2)
    assert client.get(f"{BASE}/services.json").status_code == 200
    assert client.get(f"{BASE}/services.json").status_code == 200
    response = client.get(f"{BASE}/services.json")
    _errors_json(response, 429)
    assert int(response["Retry-After"]) >= 1

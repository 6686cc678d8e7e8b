"""An Open311 client library (georeport) against the real server: it lists the services, reads a
definition, lists and reads requests, in JSON and XML; a request is filed over plain HTTP (the library
only reads) and then followed through the library."""

from __future__ import annotations

import httpx
import pytest
import requests
from defusedxml import ElementTree
from django.core.cache import cache
from georeport import GeoReport

from bersih.core import apikeys
from bersih.ledger.services import SYSTEM
from bersih.services.models import Case, Requester
from bersih.services.testing import file_complaint

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def test_an_open311_client_lists_services_and_files_and_follows_a_request(live_server, org):
    endpoint = f"{live_server.url}/open311/v2"
    client = apikeys.apiclient_create(
        actor=SYSTEM, name="Aplikasi Warga", owner_unit=org.bks, scopes=["services:open311"]
    )
    _key, plaintext = apikeys.apikey_issue(actor=SYSTEM, client=client, label="app")
    pungli = file_complaint(org, "pungli", "anonim").case

    for fmt in ("json", "xml"):
        reader = GeoReport(endpoint, jurisdiction="bks", output_format=fmt)
        codes = {s["service_code"] for s in reader.get_service_list()}
        assert {"skck", "sktlk", "dumas-service_quality"} <= codes and "dumas-pungli" not in codes
        definition = reader.get_service_definition("skck")
        assert definition["service_code"] == "skck"

    answer = httpx.post(
        f"{endpoint}/requests.xml",
        data={
            "api_key": plaintext,
            "jurisdiction_id": "bks",
            "service_code": "dumas-service_quality",
            "first_name": "Dewi",
            "last_name": "Lestari",
            "phone": "0812-9999-0000",
            "description": "Petugas loket tidak ramah <b>sekali</b>",
            "lat": "-6.2383",
            "long": "106.9756",
        },
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    root = ElementTree.fromstring(answer.content)
    number = root.findtext("request/service_request_id")
    assert root.tag == "service_requests" and root.findtext("request/secret")
    case = Case.objects.get(tracking_number=number)
    assert case.channel == "open311" and Requester.objects.get(case=case).full_name == "Dewi Lestari"

    for fmt in ("json", "xml"):
        reader = GeoReport(endpoint, jurisdiction="bks", output_format=fmt)
        listed = reader.get_service_requests(status="open")
        listed = listed if isinstance(listed, list) else [listed]  # one XML item parses as a dict
        assert [r["service_request_id"] for r in listed] == [number]
        one = reader.get_service_request(number)
        assert one["status"] == "open" and one["service_code"] == "dumas-service_quality"
        assert one["agency_responsible"] == case.unit.name
        text = str(listed) + str(one)
        assert "Dewi" not in text and "9999" not in text and "Petugas" not in text
        assert pungli.tracking_number not in text

    refused = httpx.post(f"{endpoint}/requests.json", data={"service_code": "skck"}, timeout=30)
    assert refused.status_code == 403
    assert refused.json()[0]["code"] == 403
    with pytest.raises(requests.HTTPError):
        GeoReport(endpoint).get_service_definition("dumas-pungli")

"""The public service catalogue, each service's standard page and the service hall's poster (PDF)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from bersih.core.formatting import rupiah
from bersih.documents.testing import page_contents, pdf_text
from bersih.licensing import rules as licensing_rules
from bersih.services import rules
from bersih.services.catalogue_poster import online_url

pytestmark = pytest.mark.django_db
CATALOGUE = "/layanan/"


def english(client):
    client.cookies["bersih_language"] = "en"


def html(value) -> str:
    return str(escape(str(value)))


def words(text: str) -> str:
    return " ".join(text.split())


def test_the_catalogue_lists_every_service_with_its_fee_time_and_unit_in_indonesian(client, org):
    response = client.get(CATALOGUE)
    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="id">' in page
    with translation.override("id"):
        for standard in rules.SERVICES.values():
            assert f'data-service="{standard.code}"' in page
            assert str(standard.name) in page
            assert str(standard.time_limit) in page
            assert reverse("services:standard", kwargs={"code": standard.code}) in page
        assert "<h1>Daftar layanan</h1>" in page
    assert rupiah(rules.SKCK.fee) in page  # Rp30.000
    # The responsible unit of the installation's own Polres (POLRES_NAME: Bekasi).
    assert org.bks_intelkam.name in page and org.bks_spkt.name in page
    assert org.dpk_intelkam.name not in page
    # Where to ask: the request form, the complaint form, and the modules' own pages.
    assert reverse("services:request-form", kwargs={"code": "skck"}) in page
    assert reverse("licensing:booking") in page and reverse("etle:confirm-start") in page


def test_the_catalogue_in_english_and_for_another_polres(client, org):
    english(client)
    page = client.get(CATALOGUE, {"polres": org.dpk.code}).content.decode()
    assert '<html lang="en">' in page
    assert "Police clearance certificate (SKCK)" in page and "Free: no fee" in page
    assert org.dpk_intelkam.name in page and org.bks_intelkam.name not in page
    assert client.get(CATALOGUE, {"polres": "nowhere"}).status_code == 404
    assert client.get(CATALOGUE, {"polres": org.bks_spkt.code}).status_code == 404


def test_the_catalogue_costs_a_fixed_number_of_queries(client, org, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        assert client.get(CATALOGUE).status_code == 200
    with django_assert_max_num_queries(4):
        assert client.get(reverse("services:standard", kwargs={"code": "skck"})).status_code == 200


@pytest.mark.parametrize("code", list(rules.SERVICES))
def test_each_standard_page_shows_the_whole_standard(client, org, code):
    standard = rules.SERVICES[code]
    english(client)
    response = client.get(reverse("services:standard", kwargs={"code": code}))
    assert response.status_code == 200
    page = words(response.content.decode())
    with translation.override("en"):
        for requirement in standard.requirements:
            assert html(requirement.label) in page
        for step in standard.procedure:
            assert html(step) in page
        for basis in standard.legal_basis:
            assert html(basis) in page
        assert html(standard.product) in page and html(standard.fee_basis) in page
        assert "no intermediar" in page
    assert online_url(standard) in page
    assert reverse("services:poster", kwargs={"code": code}) in page


def test_the_skck_standard_names_its_fee_unit_and_the_apply_link(client, org):
    page = words(client.get(reverse("services:standard", kwargs={"code": "skck"})).content.decode())
    assert "Rp30.000" in page
    assert org.bks_intelkam.name in page
    assert f'href="{reverse("services:request-form", kwargs={"code": "skck"})}"' in page


def test_the_sim_standard_shows_the_fee_of_every_class(client, org):
    page = client.get(reverse("services:standard", kwargs={"code": "sim"})).content.decode()
    for fees in licensing_rules.FEES.values():
        assert rupiah(fees["new"]) in page and rupiah(fees["renewal"]) in page
    assert f'href="{reverse("licensing:booking")}"' in page
    assert org.bks_satpas.name in page


def test_an_unknown_service_is_404(client, org):
    assert client.get("/layanan/standar/nothing/").status_code == 404
    assert client.get("/layanan/standar/nothing/poster.pdf").status_code == 404


@pytest.mark.parametrize("paper", ["a3", "a4"])
def test_the_poster_is_a_pdf_with_the_letterhead_the_standard_and_a_qr(client, org, paper, settings):
    settings.SITE_URL = "https://layanan.example.id"
    org.bks.address, org.bks.city = "Jl. Pramuka No. 1", "Bekasi"
    org.bks.save()
    response = client.get(reverse("services:poster", kwargs={"code": "skck"}), {"kertas": paper})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pdf = response.content
    assert pdf.startswith(b"%PDF-") and len(page_contents(pdf)) == 1
    text = words(pdf_text(pdf))
    assert "RESOR METRO BEKASI" in text and "Jl. Pramuka No. 1" in text
    with translation.override("id"):
        assert words(str(rules.SKCK.name)) in text
        for requirement in rules.SKCK.requirements:
            assert words(str(requirement.label)) in text
        assert words(str(rules.SKCK.procedure[0])) in text
        assert "Rp30.000" in text
        assert words(str(rules.SKCK.legal_basis[0])) in text
    assert org.bks_intelkam.name in text
    assert "https://layanan.example.id/layanan/ajukan/skck/" in text  # under the QR code
    assert b" re" in page_contents(pdf)[0]  # the QR's modules


@pytest.mark.parametrize("code", list(rules.SERVICES))
def test_every_poster_fits_one_page_on_a4(client, org, code):
    response = client.get(reverse("services:poster", kwargs={"code": code}), {"kertas": "a4"})
    assert response.status_code == 200 and len(page_contents(response.content)) == 1


def test_the_poster_of_another_polres_and_in_english(client, org):
    english(client)
    response = client.get(reverse("services:poster", kwargs={"code": "sim"}), {"polres": org.dpk.code})
    text = words(pdf_text(response.content))
    assert "RESOR METRO DEPOK" in text and "SERVICE STANDARD" in text
    assert "SIM A: new Rp120.000, renewal Rp80.000" in text
    assert client.get(reverse("services:poster", kwargs={"code": "sim"}), {"polres": "x"}).status_code == 404
    assert client.get(reverse("services:poster", kwargs={"code": "sim"}), {"kertas": "a0"}).status_code == 400


def test_the_catalogue_without_any_polres_still_shows_the_standards(client, db):
    response = client.get(CATALOGUE)
    assert response.status_code == 200
    assert client.get(reverse("services:standard", kwargs={"code": "lp"})).status_code == 200
    assert client.get(reverse("services:poster", kwargs={"code": "lp"})).status_code == 404

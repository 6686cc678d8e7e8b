"""The UI shell as people see it: languages, navigation by role, the homes, error pages, headers."""

from __future__ import annotations

import re

import pytest
import rules
from django.test import Client, RequestFactory
from django.urls import include, path

from bersih.core import navigation
from bersih.core.errorpages import PLAIN_500, server_error, too_many_requests
from bersih.core.navigation import NavEntry
from bersih.core.permissions import has_role
from bersih.core.tests.shell import compiled_catalogues

catalogues = pytest.fixture(autouse=True)(compiled_catalogues)

SETLANG = 'action="/i18n/setlang/"'


def boom(request):
    raise RuntimeError("a failing view")


# This module is also a URLconf (for the 500 test): the project's pages plus one view that fails.
urlpatterns = [path("boom/", boom), path("", include("bersih.urls"))]
handler500 = "bersih.core.errorpages.server_error"


def has_language_switch(html: str) -> bool:
    return (
        SETLANG in html
        and '<select class="lang-switch__select" id="language-choice" name="language">' in html
        and '<option value="id" lang="id"' in html
        and '<option value="en" lang="en"' in html
        and '<label class="lang-switch__label" for="language-choice">' in html
        and 'name="csrfmiddlewaretoken"' in html
    )


@pytest.fixture
def officer(org, make_user):
    return make_user("siti", "officer", org.bks_satlantas, full_name="Siti Rahmawati")


@pytest.fixture
def two_entries():
    """Two modules: one for officers, one for supervisors."""
    rules.add_perm("shelltest.use_alpha", has_role("officer"))
    rules.add_perm("shelltest.use_beta", has_role("supervisor"))
    navigation.register(
        NavEntry(
            key="shelltest-alpha",
            label="Alpha register",
            url_name="core:healthz",
            permission="shelltest.use_alpha",
            description="Alpha work for officers",
            order=1,
        )
    )
    navigation.register(
        NavEntry(
            key="shelltest-beta",
            label="Beta register",
            url_name="core:login",
            permission="shelltest.use_beta",
            description="Beta work for supervisors",
            order=2,
        )
    )
    yield
    navigation.unregister("shelltest-alpha")
    navigation.unregister("shelltest-beta")
    rules.remove_perm("shelltest.use_alpha")
    rules.remove_perm("shelltest.use_beta")


@pytest.mark.django_db
def test_public_home_is_indonesian_by_default(client):
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="id">' in html
    assert "Lacak layanan" in html
    assert "Track a service" not in html


@pytest.mark.django_db
def test_browser_language_does_not_override_the_indonesian_default(client):
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="id">' in html
    assert "Lacak layanan" in html
    client.cookies["bersih_language"] = "xx"  # an unknown choice falls back to Indonesian
    assert "Lacak layanan" in client.get("/").content.decode()


@pytest.mark.django_db
def test_the_api_follows_accept_language(client):
    english = client.get("/api/v1/no-such-endpoint", HTTP_ACCEPT_LANGUAGE="en")
    indonesian = client.get("/api/v1/no-such-endpoint")
    assert english.status_code == indonesian.status_code == 404
    assert english["Content-Language"] == "en"
    assert indonesian["Content-Language"] == "id"
    assert english.json()["title"] != indonesian.json()["title"]


@pytest.mark.django_db
def test_language_switch_turns_the_pages_english_and_back(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    html = client.get("/").content.decode()
    assert '<html lang="en">' in html
    assert "Track a service" in html
    assert "Lacak layanan" not in html
    assert '<option value="en" lang="en" selected>English</option>' in html

    client.post("/i18n/setlang/", {"language": "id", "next": "/"})
    assert "Lacak layanan" in client.get("/").content.decode()


@pytest.mark.django_db
def test_language_switch_works_without_javascript_and_needs_csrf(officer):
    """The switch is a plain form: a browser without JS posts it; a forged post is refused."""
    strict = Client(enforce_csrf_checks=True)
    html = strict.get("/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    assert strict.post("/i18n/setlang/", {"language": "en", "next": "/"}).status_code == 403
    response = strict.post("/i18n/setlang/", {"language": "en", "next": "/", "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert "Track a service" in strict.get("/").content.decode()


@pytest.mark.django_db
def test_language_switch_on_every_page(client, officer):
    pages = {"/": 200, "/masuk/": 200, "/tidak-ada/": 404}
    for url, status in pages.items():
        response = client.get(url)
        assert response.status_code == status, url
        assert has_language_switch(response.content.decode()), url
    client.force_login(officer)
    for url, status in {"/staf/": 200, "/tidak-ada/": 404}.items():
        response = client.get(url)
        assert response.status_code == status, url
        html = response.content.decode()
        assert has_language_switch(html), url
        assert f'name="next" value="{url}"' in html


@pytest.mark.django_db
def test_staff_home_needs_a_signed_in_person(client):
    response = client.get("/staf/")
    assert response.status_code == 302
    assert response["Location"].startswith("/masuk/")


@pytest.mark.django_db
def test_staff_home_shows_only_the_tiles_the_roles_permit(client, org, make_user, two_entries, officer):
    client.force_login(officer)
    html = client.get("/staf/").content.decode()
    assert "Alpha register" in html
    assert "Alpha work for officers" in html
    assert "Beta register" not in html

    supervisor = make_user("budi", "supervisor", org.bks_spkt)
    client.force_login(supervisor)
    html = client.get("/staf/").content.decode()
    assert "Beta register" in html
    assert "Alpha register" not in html


@pytest.mark.django_db
def test_navigation_marks_the_current_section(client, officer, two_entries):
    client.force_login(officer)
    html = client.get("/staf/").content.decode()
    assert '<a href="/staf/" aria-current="page">' in html
    assert '<a href="/healthz">Alpha register</a>' in html
    items = [item for item in navigation.items_for(officer, "/healthz") if item.key.startswith("shelltest")]
    assert [(item.key, item.current) for item in items] == [("shelltest-alpha", True)]


def test_current_section_is_the_deepest_match():
    assert navigation.is_current("/etle/kamera/1/", "/etle/")
    assert not navigation.is_current("/etlex/", "/etle/")
    assert not navigation.is_current("/etle/", "/")
    links = navigation.public_links("/layanan/pengaduan/baru/")
    assert [link.url for link in links if link.current] == ["/layanan/pengaduan/"]


@pytest.mark.django_db
def test_someone_owing_the_second_factor_is_not_yet_shown_as_signed_in(client, org, make_user):
    """Until the code is given, the shell offers no staff navigation, roles or header forms of its own."""
    kapolres = make_user("kapolres", "leadership", org.bks, full_name="AKBP Hendra")
    client.force_login(kapolres)
    html = client.get("/").content.decode()
    assert "AKBP Hendra" not in html
    assert 'aria-label="Staff navigation"' not in html and 'aria-label="Navigasi staf"' not in html
    assert 'action="/keluar/"' not in html


@pytest.mark.django_db
def test_header_shows_the_persons_name_unit_and_role(client, officer):
    client.force_login(officer)
    html = client.get("/staf/").content.decode()
    assert "Siti Rahmawati" in html
    assert '<span class="account__role">Petugas</span>' in html
    assert '<span class="account__unit">Satlantas Polres Metro Bekasi</span>' in html
    client.post("/i18n/setlang/", {"language": "en", "next": "/staf/"})
    html = client.get("/staf/").content.decode()
    assert '<span class="account__role">Officer</span>' in html
    assert "Welcome, Siti Rahmawati" in html


@pytest.mark.django_db
def test_staff_home_without_a_role_says_so(client, make_user):
    client.force_login(make_user("baru"))
    html = client.get("/staf/").content.decode()
    assert 'class="empty-state"' in html
    assert "Anda belum memiliki peran" in html


@pytest.mark.django_db
def test_public_home_offers_tracking_and_the_citizen_services(client):
    html = client.get("/").content.decode()
    assert re.search(r'<form class="track-form" method="get" action="/lacak/"', html)
    assert re.search(r'<label class="field__label" for="track-number">[^<]+</label>', html)
    assert 'id="track-number" name="nomor"' in html
    for href in ("/layanan/", "/layanan/pengaduan/", "/integritas/survei/", "/etle/", "/sim/"):
        assert f'href="{href}"' in html, href


@pytest.mark.django_db
def test_pages_have_landmarks_and_a_skip_link(client):
    html = client.get("/").content.decode()
    assert '<a class="skip-link" href="#main">' in html
    for landmark in (
        '<header class="site-header">',
        "<nav ",
        '<main id="main"',
        '<footer class="site-footer">',
    ):
        assert landmark in html, landmark
    assert '<a href="/" aria-current="page">' in html


@pytest.mark.django_db
def test_messages_are_announced_with_their_kind_in_words(client, officer):
    from django.contrib import messages
    from django.template.loader import render_to_string

    request = RequestFactory().get("/")
    request.user = officer
    request.session = client.session
    from django.contrib.messages.storage.fallback import FallbackStorage

    request._messages = FallbackStorage(request)
    messages.error(request, "Nomor tidak dikenal")
    messages.success(request, "Tersimpan")
    html = render_to_string("includes/messages.html", request=request)
    assert 'role="alert"' in html and "Nomor tidak dikenal" in html
    assert 'role="status"' in html and "Tersimpan" in html
    assert "Galat:" in html or "Kesalahan:" in html


@pytest.mark.django_db
def test_not_found_page_is_in_the_shell_with_status_404(client):
    response = client.get("/halaman-yang-tidak-ada/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "Halaman tidak ditemukan" in html
    assert '<main id="main"' in html


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_server_error_page_renders_through_handler500():
    client = Client(raise_request_exception=False)
    response = client.get("/boom/")
    assert response.status_code == 500
    assert "Terjadi kesalahan di pihak kami" in response.content.decode()


@pytest.mark.django_db
def test_server_error_page_reads_nothing_from_the_request_or_database(django_assert_num_queries):
    request = RequestFactory().get("/")  # no session, no user: what is left when the database fails
    with django_assert_num_queries(0):
        response = server_error(request)
    assert response.status_code == 500
    assert "Polres Metro Bekasi" in response.content.decode()


def test_server_error_falls_back_to_plain_html_when_the_template_fails(monkeypatch):
    from django.template import loader

    def broken(name):
        raise RuntimeError("template store unavailable")

    monkeypatch.setattr(loader, "get_template", broken)
    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert response.content.decode() == PLAIN_500


def test_server_error_for_the_api_is_problem_json():
    response = server_error(RequestFactory().get("/api/v1/anything"))
    assert response.status_code == 500
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.django_db
def test_too_many_requests_page_says_when_to_retry():
    response = too_many_requests(RequestFactory().get("/lacak/"), retry_after=30)
    html = response.content.decode()
    assert response.status_code == 429
    assert response["Retry-After"] == "30"
    assert "30 detik" in html
    api = too_many_requests(RequestFactory().get("/api/v1/x"), retry_after=5)
    assert api.status_code == 429
    assert api["Content-Type"] == "application/problem+json"


@pytest.mark.django_db
def test_bad_request_and_forbidden_pages_are_in_the_shell():
    from django.core.exceptions import PermissionDenied
    from django.views import defaults

    request = RequestFactory().get("/")
    bad = defaults.bad_request(request, Exception("bad"))
    assert bad.status_code == 400
    assert "Permintaan tidak valid" in bad.content.decode()
    forbidden = defaults.permission_denied(request, PermissionDenied())
    assert forbidden.status_code == 403
    assert "Akses ditolak" in forbidden.content.decode()


@pytest.mark.django_db
def test_an_expired_form_gets_the_shell_403_page():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/i18n/setlang/", {"language": "en"})
    assert response.status_code == 403
    assert "Akses ditolak" in response.content.decode()
    assert "formulir" in response.content.decode().lower()


@pytest.mark.django_db
def test_every_page_carries_a_csp_without_inline_code(client):
    for url in ("/", "/tidak-ada/"):
        policy = client.get(url)["Content-Security-Policy"]
        assert "script-src 'self'" in policy
        assert "style-src 'self'" in policy
        assert "unsafe-inline" not in policy
        assert "unsafe-eval" not in policy


@pytest.mark.django_db
def test_staff_home_query_count_does_not_grow_with_roles_or_modules(client, org, officer, two_entries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bersih.core.models import Assignment

    client.force_login(officer)
    client.get("/staf/")  # warm the session
    with CaptureQueriesContext(connection) as one_role:
        assert client.get("/staf/").status_code == 200
    Assignment.objects.create(user=officer, role="supervisor", unit=org.bks_spkt)
    Assignment.objects.create(user=officer, role="counter_clerk", unit=org.bks_satpas)
    with CaptureQueriesContext(connection) as three_roles:
        html = client.get("/staf/").content.decode()
    assert "Beta register" in html
    for number in range(10):
        navigation.register(
            NavEntry(
                key=f"shelltest-many-{number}",
                label=f"Module {number}",
                url_name="core:healthz",
                permission="shelltest.use_alpha",
                description="One of many",
            )
        )
    try:
        with CaptureQueriesContext(connection) as many_modules:
            html = client.get("/staf/").content.decode()
    finally:
        for number in range(10):
            navigation.unregister(f"shelltest-many-{number}")
    assert html.count("One of many") == 10
    # The assignments are read once for header, navigation and tiles, and the entries ask the rules
    # only: neither more roles nor more modules add queries.
    assert len(three_roles) == len(one_role)
    assert len(many_modules) == len(three_roles)

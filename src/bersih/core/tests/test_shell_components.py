"""The shell's components and filters: pagination, forms, badges, timeline, rupiah, WIB, no outside code."""

from __future__ import annotations

import datetime as dt
import html as htmllib
import re
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from django import forms
from django.conf import settings
from django.core.paginator import Paginator
from django.template import Context, Template
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from bersih.core.templatetags.bersih import rupiah, wib
from bersih.core.tests.shell import compiled_catalogues

catalogues = pytest.fixture(autouse=True, scope="module")(compiled_catalogues)

SRC = Path(settings.SRC_DIR)
# XML namespaces are names, not addresses a browser fetches.
ALLOWED_URLS = ("http://www.w3.org/",)


# ---- rupiah ---------------------------------------------------------------------------------------
@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_rupiah_groups_thousands_with_dots_and_keeps_the_value(amount):
    shown = rupiah(amount)
    assert re.fullmatch(r"-?Rp\d{1,3}(\.\d{3})*", shown)
    assert int(shown.replace("Rp", "").replace(".", "")) == amount


@given(st.integers(min_value=0, max_value=10**12), st.sampled_from(["id", "en"]))
def test_rupiah_reads_the_same_in_every_language(amount, language):
    with translation.override(language):
        assert rupiah(amount) == rupiah(amount)
        assert "," not in rupiah(amount)


def test_rupiah_examples():
    assert rupiah(1_250_000) == "Rp1.250.000"
    assert rupiah(0) == "Rp0"
    assert rupiah(999) == "Rp999"
    assert rupiah(1000) == "Rp1.000"
    assert rupiah(-500_000) == "-Rp500.000"
    assert rupiah(Decimal("1250.50")) == "Rp1.251"  # whole rupiah: half rounds up
    assert rupiah("75000") == "Rp75.000"
    for nothing in (None, "", "abc", True, float("nan")):
        assert rupiah(nothing) == ""


def test_rupiah_in_a_template_ignores_the_language():
    template = Template("{% load bersih %}{{ amount|rupiah }}")
    for language in ("id", "en"):
        with translation.override(language):
            assert template.render(Context({"amount": 3_500_000})) == "Rp3.500.000"


# ---- WIB ------------------------------------------------------------------------------------------
def test_wib_shows_utc_times_in_jakarta():
    late_may = dt.datetime(2026, 5, 31, 18, 0, tzinfo=dt.UTC)  # already 1 June in Jakarta
    with translation.override("id"):
        assert wib(late_may) == "1 Juni 2026, 01.00 WIB"
        assert wib(late_may, "date") == "1 Juni 2026"
        assert wib(late_may, "time") == "01.00 WIB"
    with translation.override("en"):
        assert wib(late_may) == "1 June 2026, 01.00 WIB"
    assert wib(dt.datetime(2026, 5, 31, 18, 0)) == wib(late_may)  # naive values are UTC
    assert wib(dt.date(2026, 8, 17), "date") in {"17 Agustus 2026", "17 August 2026"}
    assert wib(None) == ""


@given(
    st.datetimes(
        min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2100, 1, 1), timezones=st.just(dt.UTC)
    )
)
def test_wib_always_shows_the_jakarta_clock(moment):
    local = moment.astimezone(ZoneInfo("Asia/Jakarta"))
    with translation.override("id"):
        assert wib(moment, "time") == f"{local:%H.%M} WIB"
        assert wib(moment, "short") == f"{local:%d/%m/%Y %H.%M} WIB"


# ---- pagination -----------------------------------------------------------------------------------
def page_links(html: str) -> dict[str, dict[str, list[str]]]:
    links = {}
    for match in re.finditer(r'<a class="pagination__(?:page|step)" (?:rel="(\w+)" )?href="([^"]+)"', html):
        rel, href = match.groups()
        query = parse_qs(urlsplit(htmllib.unescape(href)).query)
        links[rel or query["page"][0]] = query
    return links


def test_pagination_keeps_the_other_query_parameters():
    page = Paginator(list(range(95)), 10).page(3)
    request = RequestFactory().get("/etle/", {"q": "B 1234 XY", "status": "open", "page": "3"})
    with translation.override("id"):
        html = render_to_string("includes/pagination.html", {"page": page}, request=request)
    links = page_links(html)
    assert links["next"] == {"q": ["B 1234 XY"], "status": ["open"], "page": ["4"]}
    assert links["prev"] == {"q": ["B 1234 XY"], "status": ["open"], "page": ["2"]}
    assert links["10"]["q"] == ["B 1234 XY"]
    assert 'aria-current="page"><span class="visually-hidden">Halaman </span>3</a>' in html
    assert "Menampilkan 21\u201330 dari 95" in html  # an en dash between the numbers
    assert "…" in html  # long runs are elided


def test_pagination_is_silent_for_a_single_page():
    page = Paginator([1, 2], 10).page(1)
    assert render_to_string("includes/pagination.html", {"page": page}).strip() == ""


# ---- forms ----------------------------------------------------------------------------------------
class ComplaintForm(forms.Form):
    name = forms.CharField(label="Name", help_text="As on your KTP")
    phone = forms.CharField(label="Phone", required=False)


def test_form_fields_have_labels_and_linked_errors_in_the_users_language():
    with translation.override("id"):
        html = str(ComplaintForm(data={}))
    assert '<label class="field__label" for="id_name">Name</label>' in html
    assert 'id="id_name_helptext"' in html
    assert '<ul class="errorlist" id="id_name_error">' in html
    assert 'aria-describedby="id_name_helptext id_name_error"' in html
    assert 'aria-invalid="true"' in html
    assert "Bidang ini tidak boleh kosong." in html  # Django's own message, in Indonesian
    assert "(opsional)" in html  # the optional field says so in words
    assert 'role="alert"' in html
    with translation.override("en"):
        assert "This field is required." in str(ComplaintForm(data={}))


class ConsentForm(forms.Form):
    agree = forms.BooleanField(label="I agree")
    kind = forms.ChoiceField(label="Kind", choices=[("a", "A"), ("b", "B")], widget=forms.RadioSelect)


def test_checkboxes_put_their_label_after_the_box_and_choices_sit_in_a_fieldset():
    html = str(ConsentForm(data={}))
    assert re.search(
        r'<div class="field__check"><input type="checkbox" name="agree"[^>]*id="id_agree"[^>]*>'
        r'<label for="id_agree">I agree</label></div>',
        html,
    )
    assert html.count(">I agree<") == 1
    assert re.search(
        r'<fieldset aria-describedby="id_kind_error">\s*<legend class="field__label">Kind</legend>', html
    )


def test_form_field_tag_renders_one_field():
    form = ComplaintForm(data={"name": ""})
    html = Template("{% load bersih %}{% form_field form.name %}").render(Context({"form": form}))
    assert 'for="id_name"' in html
    assert 'id="id_phone"' not in html


# ---- badges, empty states, timeline, key-value lists ----------------------------------------------
def test_badge_carries_words_and_a_known_tone():
    html = Template('{% load bersih %}{% badge "Lunas" "success" %}{% badge x "purple" %}').render(
        Context({"x": "<b>"})
    )
    assert '<span class="badge badge--success">Lunas</span>' in html
    assert '<span class="badge badge--neutral">&lt;b&gt;</span>' in html


def test_timeline_shows_times_in_wib_and_marks_the_current_step():
    events = [
        {"title": "Diterima", "at": dt.datetime(2026, 1, 5, 2, 0, tzinfo=dt.UTC)},
        {"title": "Diproses", "at": dt.datetime(2026, 1, 6, 3, 30, tzinfo=dt.UTC), "current": True},
    ]
    with translation.override("id"):
        html = render_to_string("includes/timeline.html", {"events": events})
    assert '<time datetime="2026-01-05T09:00:00+07:00">5 Januari 2026, 09.00 WIB</time>' in html
    assert 'aria-current="step"' in html
    assert html.count("timeline__item") == 2


def test_empty_state_and_key_value_list():
    html = render_to_string(
        "includes/empty_state.html", {"title": "Belum ada", "action_url": "/x/", "action_label": "Buat"}
    )
    assert "Belum ada" in html and 'href="/x/"' in html
    kv = render_to_string("includes/kv.html", {"items": [("Plat", "B 1 XY"), ("Denda", "")]})
    assert "<dt>Plat</dt><dd>B 1 XY</dd>" in kv
    assert "<dt>Denda</dt><dd>—</dd>" in kv


# ---- no outside code, nothing the CSP would block ---------------------------------------------------
def shell_files():
    for directory in SRC.rglob("*"):
        if directory.is_dir() and directory.name in {"templates", "static"}:
            yield from (
                p
                for p in directory.rglob("*")
                if p.is_file() and p.suffix in {".html", ".css", ".js", ".svg", ".txt"}
            )


def test_templates_and_static_files_reference_no_other_origin():
    offenders = []
    for file in shell_files():
        for url in re.findall(r"https?://[^\s\"'<>)]+", file.read_text(encoding="utf-8")):
            if not url.startswith(ALLOWED_URLS):
                offenders.append(f"{file.relative_to(SRC)}: {url}")
    assert offenders == []


def test_templates_hold_no_inline_scripts_or_styles():
    """The CSP allows only the site's own files, so inline code would silently not run."""
    patterns = {
        "inline script": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I),
        "style element": re.compile(r"<style\b", re.I),
        "style attribute": re.compile(r"\sstyle=", re.I),
        "event handler": re.compile(r"\son[a-z]+=", re.I),
        "javascript: link": re.compile(r"javascript:", re.I),
    }
    offenders = [
        f"{file.relative_to(SRC)}: {what}"
        for file in shell_files()
        if file.suffix == ".html"
        for what, pattern in patterns.items()
        if pattern.search(file.read_text(encoding="utf-8"))
    ]
    assert offenders == []
    assert any(file.name == "base.html" for file in shell_files())


@pytest.mark.django_db
def test_the_stylesheet_and_script_are_served_from_our_own_static_files(client):
    html = client.get("/").content.decode()
    assert '<link rel="stylesheet" href="/static/core/bersih.css">' in html
    assert '<script src="/static/core/bersih.js" defer></script>' in html
    assert (SRC / "core/static/core/bersih.css").stat().st_size > 1000


# ---- colour contrast (WCAG 2.1 AA) ---------------------------------------------------------------
def luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_text_colours_meet_wcag_aa_contrast():
    css = (SRC / "core/static/core/bersih.css").read_text(encoding="utf-8")
    var = dict(re.findall(r"--(c-[a-z0-9-]+):\s*(#[0-9a-fA-F]{6})", css))
    white, black = "#ffffff", "#000000"
    text_on_background = [
        (var["c-ink"], white),
        (var["c-ink"], var["c-bg"]),
        (var["c-muted"], white),
        (var["c-muted"], var["c-bg"]),
        (var["c-muted"], "#e3e8ef"),  # footer
        (var["c-link"], white),
        (var["c-link"], var["c-bg"]),
        (var["c-link"], var["c-info-bg"]),
        (white, var["c-brand"]),
        (white, var["c-brand-2"]),
        ("#dfe6f2", var["c-brand"]),  # header tagline and roles
        (black, var["c-accent"]),  # chosen language, skip link
        (white, var["c-link"]),  # primary button
        (white, var["c-danger"]),  # danger button
        (var["c-success"], var["c-success-bg"]),
        (var["c-warning"], var["c-warning-bg"]),
        (var["c-danger"], var["c-danger-bg"]),
        (var["c-danger"], white),  # field errors
        (var["c-info"], var["c-info-bg"]),
    ]
    weak = [(fg, bg, round(contrast(fg, bg), 2)) for fg, bg in text_on_background if contrast(fg, bg) < 4.5]
    assert weak == []
    # Focus rings and field borders need 3:1 against what surrounds them.
    assert contrast(var["c-focus"], white) >= 3
    assert contrast(var["c-focus-on-dark"], var["c-brand"]) >= 3
    assert contrast(var["c-line-strong"], white) >= 3

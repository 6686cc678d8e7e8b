"""Translations: Indonesian complete, English the source, and a build that needs no GNU gettext."""

from __future__ import annotations

import gettext
import re
import shutil
import subprocess

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import override_settings

from bersih.core.translations import PoSyntaxError, compile_po, mo_bytes, parse_po

LOCALE = settings.LOCALE_PATHS[0]
ID_PO = LOCALE / "id" / "LC_MESSAGES" / "django.po"
EN_PO = LOCALE / "en" / "LC_MESSAGES" / "django.po"
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|%[sd]|\{[a-z_]*\}")


def id_entries():
    return [e for e in parse_po(ID_PO.read_text(encoding="utf-8"), name=str(ID_PO)) if not e.is_header]


def test_every_indonesian_entry_is_translated_and_not_fuzzy():
    entries = id_entries()
    assert len(entries) > 100
    missing = [e.msgid for e in entries if not e.translated]
    fuzzy = [e.msgid for e in entries if e.fuzzy]
    assert missing == []
    assert fuzzy == []


def test_translations_keep_their_placeholders():
    wrong = []
    for entry in id_entries():
        sources = [entry.msgid] + ([entry.msgid_plural] if entry.msgid_plural else [])
        expected = sorted(set(PLACEHOLDER.findall(" ".join(sources))))
        for translation in entry.msgstr.values():
            if sorted(set(PLACEHOLDER.findall(translation))) != expected:
                wrong.append(entry.msgid)
    assert wrong == []


def test_the_catalogues_declare_utf8_and_plural_forms():
    for po in (ID_PO, EN_PO):
        header = next(e for e in parse_po(po.read_text(encoding="utf-8")) if e.is_header)
        assert "charset=UTF-8" in header.msgstr[0]
        assert "Plural-Forms:" in header.msgstr[0]
    assert EN_PO.exists()


def test_compiled_catalogue_is_read_by_gettext(tmp_path):
    mo = compile_po(ID_PO, tmp_path / "django.mo")
    with mo.open("rb") as handle:
        catalogue = gettext.GNUTranslations(handle)
    assert catalogue.gettext("Track a service") == "Lacak layanan"
    assert catalogue.gettext("Sign out") == "Keluar"
    assert catalogue.gettext("a string nobody wrote") == "a string nobody wrote"


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU gettext is not installed")
def test_pure_python_compiler_matches_gnu_msgfmt(tmp_path):
    ours = compile_po(ID_PO, tmp_path / "ours.mo")
    theirs = tmp_path / "theirs.mo"
    subprocess.run(["msgfmt", "--check-format", "-o", str(theirs), str(ID_PO)], check=True)
    with ours.open("rb") as a, theirs.open("rb") as b:
        mine, gnu = gettext.GNUTranslations(a), gettext.GNUTranslations(b)
    # GNU msgfmt drops the POT-Creation-Date header line; every message must be the same.
    assert {k: v for k, v in mine._catalog.items() if k != ""} == {
        k: v for k, v in gnu._catalog.items() if k != ""
    }
    assert mine.plural(2) == gnu.plural(2)
    assert mine.ngettext("x", "y", 2) == gnu.ngettext("x", "y", 2)


def test_parser_reads_context_plurals_continuations_and_skips_fuzzy_and_obsolete():
    text = r"""# header
msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\n"
"Plural-Forms: nplurals=1; plural=0;\n"

#: a.py:1
msgctxt "verb"
msgid "Track"
msgstr "Lacak"

msgid "%(n)s day"
msgid_plural "%(n)s days"
msgstr[0] "%(n)s hari"

#, fuzzy
msgid "Guess"
msgstr "Tebakan"

msgid "Untranslated"
msgstr ""

msgid "Quote \"x\"\n"
"and more"
msgstr "Kutip \"x\"\n"
"dan lagi"

#~ msgid "Old"
#~ msgstr "Lama"
"""
    entries = parse_po(text)
    assert [e.msgid for e in entries] == [
        "",
        "Track",
        "%(n)s day",
        "Guess",
        "Untranslated",
        'Quote "x"\nand more',
    ]
    assert entries[1].msgctxt == "verb"
    assert entries[2].msgstr == {0: "%(n)s hari"}
    assert entries[3].fuzzy
    import io

    catalogue = gettext.GNUTranslations(io.BytesIO(mo_bytes(entries)))
    assert catalogue.pgettext("verb", "Track") == "Lacak"
    assert catalogue.ngettext("%(n)s day", "%(n)s days", 5) == "%(n)s hari"
    assert catalogue.gettext("Guess") == "Guess"  # fuzzy entries are left out
    assert catalogue.gettext("Untranslated") == "Untranslated"
    assert catalogue.gettext('Quote "x"\nand more') == 'Kutip "x"\ndan lagi'
    assert catalogue.gettext("Old") == "Old"


@pytest.mark.parametrize(
    "broken",
    ['msgid "open\nmsgstr ""\n', 'msgid "a"\nmsgstr "b"\nbogus "c"\n', '"orphan"\n'],
)
def test_parser_names_the_line_of_a_broken_catalogue(broken):
    with pytest.raises(PoSyntaxError, match=r"<po>:\d+"):
        parse_po(broken)


def test_compile_translations_command_writes_every_catalogue(tmp_path):
    locale = tmp_path / "locale"
    shutil.copytree(LOCALE, locale, ignore=shutil.ignore_patterns("*.mo"))
    with override_settings(LOCALE_PATHS=[locale]):
        call_command("compile_translations", verbosity=0)
    assert (locale / "id" / "LC_MESSAGES" / "django.mo").stat().st_size > 1000
    assert (locale / "en" / "LC_MESSAGES" / "django.mo").exists()


def test_compile_translations_command_refuses_a_broken_catalogue(tmp_path):
    po = tmp_path / "locale" / "id" / "LC_MESSAGES" / "django.po"
    po.parent.mkdir(parents=True)
    po.write_text('msgid "a"\nmsgstr "b\n', encoding="utf-8")
    with (
        override_settings(LOCALE_PATHS=[tmp_path / "locale"]),
        pytest.raises(CommandError, match=r"django\.po:2"),
    ):
        call_command("compile_translations", verbosity=0)
    assert not po.with_suffix(".mo").exists()

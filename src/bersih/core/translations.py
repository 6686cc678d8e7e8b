"""Compiling the translation catalogues (.po → .mo) in pure Python.

The build runs on a machine with only Python and make, where GNU gettext's ``msgfmt`` (which Django's
``compilemessages`` calls) may be missing; ``bersih compile_translations`` uses this module instead.
It reads the .po files ``makemessages`` writes and writes the GNU .mo format that Python's ``gettext``
(and so Django) reads. Like ``msgfmt``, it leaves out fuzzy and untranslated entries, so that those
fall back to the English source rather than showing a guess.
"""

from __future__ import annotations

import ast
import os
import struct
from dataclasses import dataclass, field
from pathlib import Path

MO_MAGIC = 0x950412DE
CONTEXT_SEPARATOR = "\x04"


class PoSyntaxError(ValueError):
    """A .po file that cannot be read; the message names the file and line."""


@dataclass
class PoEntry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0

    @property
    def fuzzy(self) -> bool:
        return "fuzzy" in self.flags

    @property
    def is_header(self) -> bool:
        return self.msgid == "" and self.msgctxt is None

    @property
    def translated(self) -> bool:
        return bool(self.msgstr) and all(self.msgstr.values())

    def mo_key(self) -> str:
        key = self.msgid if self.msgid_plural is None else f"{self.msgid}\0{self.msgid_plural}"
        return key if self.msgctxt is None else f"{self.msgctxt}{CONTEXT_SEPARATOR}{key}"

    def mo_value(self) -> str:
        return "\0".join(self.msgstr[index] for index in sorted(self.msgstr))


def _unquote(literal: str, where: str) -> str:
    literal = literal.strip()
    if len(literal) < 2 or literal[0] != '"' or literal[-1] != '"':
        raise PoSyntaxError(f"{where}: expected a quoted string, got {literal!r}")
    try:
        return ast.literal_eval(literal)
    except (SyntaxError, ValueError) as error:
        raise PoSyntaxError(f"{where}: bad string {literal!r}") from error


def parse_po(text: str, name: str = "<po>") -> list[PoEntry]:
    """The entries of a .po file, obsolete (``#~``) ones left out."""
    entries: list[PoEntry] = []
    entry = PoEntry()
    target: tuple[str, int] | None = None  # which field a continuation line extends

    def finish() -> None:
        nonlocal entry, target
        if target is not None:
            entries.append(entry)
        entry, target = PoEntry(), None

    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        where = f"{name}:{number}"
        if not line:
            finish()
            continue
        if line.startswith("#"):
            if target is not None and not line.startswith("#~"):
                finish()
            if line.startswith("#,"):
                entry.flags.update(flag.strip() for flag in line[2:].split(",") if flag.strip())
            continue
        keyword, _, rest = line.partition(" ")
        if line.startswith('"'):
            if target is None:
                raise PoSyntaxError(f"{where}: a string continues nothing")
            _append(entry, target, _unquote(line, where))
            continue
        if keyword == "msgctxt" or (keyword == "msgid" and target is not None and target[0] != "msgctxt"):
            finish()
        entry.line = entry.line or number
        if keyword in {"msgctxt", "msgid", "msgid_plural", "msgstr"}:
            target = (keyword, 0)
        elif keyword.startswith("msgstr[") and keyword.endswith("]") and keyword[7:-1].isdigit():
            target = ("msgstr", int(keyword[7:-1]))
        else:
            raise PoSyntaxError(f"{where}: unknown keyword {keyword!r}")
        _set(entry, target, _unquote(rest, where))
    finish()
    return entries


def _set(entry: PoEntry, target: tuple[str, int], value: str) -> None:
    name, index = target
    if name == "msgstr":
        entry.msgstr[index] = value
    else:
        setattr(entry, name, value)


def _append(entry: PoEntry, target: tuple[str, int], value: str) -> None:
    name, index = target
    if name == "msgstr":
        entry.msgstr[index] += value
    else:
        setattr(entry, name, (getattr(entry, name) or "") + value)


def mo_bytes(entries: list[PoEntry]) -> bytes:
    """The GNU .mo file for ``entries``: the header and every translated, non-fuzzy entry."""
    catalogue = {
        entry.mo_key(): entry.mo_value()
        for entry in entries
        if entry.is_header or (entry.translated and not entry.fuzzy)
    }
    keys = sorted(catalogue)
    ids = [key.encode("utf-8") for key in keys]
    strs = [catalogue[key].encode("utf-8") for key in keys]
    count = len(keys)
    header_size = 7 * 4
    ids_table = header_size
    strs_table = ids_table + count * 8
    data_start = strs_table + count * 8
    offsets: list[int] = []
    blob = b""
    for item in ids + strs:
        offsets.extend((len(item), data_start + len(blob)))
        blob += item + b"\0"
    header = struct.pack("<7I", MO_MAGIC, 0, count, ids_table, strs_table, 0, data_start)
    return header + struct.pack(f"<{4 * count}I", *offsets) + blob


def compile_po(po_path: Path, mo_path: Path | None = None) -> Path:
    """Write the .mo beside ``po_path`` (or at ``mo_path``) and return its path."""
    mo_path = mo_path or po_path.with_suffix(".mo")
    entries = parse_po(po_path.read_text(encoding="utf-8"), name=str(po_path))
    # Written beside and renamed into place, so a running server never reads half a catalogue.
    partial = mo_path.with_name(f".{mo_path.name}.{os.getpid()}.tmp")
    partial.write_bytes(mo_bytes(entries))
    os.replace(partial, mo_path)
    return mo_path

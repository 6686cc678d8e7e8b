"""The searchable columns of a ledger entry, computed by the database from the entry's hashed body.

Each searchable column (sequence, time, actor, action, subject, unit, data) is a stored generated
column whose expression reads one value out of ``body``, the canonical JSON that was hashed. The
database computes them on INSERT and refuses to have them written, so they cannot disagree with the
body; ``verify`` only has to check that each column is still defined by the expression here
(:func:`bersih.ledger.verify.check_columns`).

The expressions are deterministic (SQLite) and IMMUTABLE (PostgreSQL), as generated columns require:
on PostgreSQL that rules out ``text::timestamptz``, so the time is assembled from its digits with
``make_timestamp``. A body whose time is not UTC in the exact form ``record`` writes
(``YYYY-MM-DDTHH:MM:SS.ffffff+00:00``) gives no time, and the NOT NULL column refuses the entry.
"""

from __future__ import annotations

from django.db.models import F, Func

# The body's keys, and where each searchable column finds its value in it.
PATHS = {
    "seq": ("seq",),
    "at": ("at",),
    "actor_kind": ("actor", 0),
    "actor_id": ("actor", 1),
    "actor_label": ("actor", 2),
    "action": ("action",),
    "subject_type": ("subject", 0),
    "subject_id": ("subject", 1),
    "subject_ref": ("subject", 2),
    "unit_id": ("unit",),
    "data": ("data",),
}

# What the value becomes on PostgreSQL: text (->>), a JSON value (->), or text cast to a type.
_POSTGRES_CASTS = {"seq": "bigint", "unit_id": "bigint"}


def _sqlite_path(path: tuple) -> str:
    text = "$"
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else f".{step}"
    return text


def _postgres_path(path: tuple) -> str:
    return "{" + ",".join(str(step) for step in path) + "}"


class BodyValue(Func):
    """One value of the entry's body, read by the database: ``BodyValue("actor", 0)`` is the actor's kind.

    ``json=True`` keeps a JSON value as JSON (the data object); otherwise the value is read as text
    (SQLite keeps JSON numbers as integers), and ``cast`` converts it on PostgreSQL.
    """

    def __init__(self, *path, output_field, json: bool = False, cast: str = ""):
        if not path or not all(isinstance(step, int) or str(step).isidentifier() for step in path):
            raise ValueError(f"a body path is a key followed by keys or list positions, not {path!r}")
        super().__init__(F("body"), output_field=output_field)
        self.path, self.json, self.cast = path, json, cast

    def as_sqlite(self, compiler, connection, **extra_context):
        body, params = compiler.compile(self.source_expressions[0])
        return f"json_extract({body}, '{_sqlite_path(self.path)}')", params

    def as_postgresql(self, compiler, connection, **extra_context):
        body, params = compiler.compile(self.source_expressions[0])
        operator = "#>" if self.json else "#>>"
        sql = f"({body}::jsonb {operator} '{_postgres_path(self.path)}')"
        return (f"({sql})::{self.cast}" if self.cast else sql), params

    def as_sql(self, compiler, connection, **extra_context):
        raise NotImplementedError(f"ledger columns are not generated on {connection.vendor}")


class BodyTime(Func):
    """The body's time (``"at"``) as the database's own time type.

    SQLite: the text Django stores for a datetime, ``YYYY-MM-DD HH:MM:SS.ffffff`` (without the fraction
    when it is zero), so that filters and ordering compare like with like. PostgreSQL: a timestamptz
    assembled from the digits (exact to the microsecond). Anything but UTC in record's form gives NULL.
    """

    def __init__(self, output_field):
        super().__init__(F("body"), output_field=output_field)

    def as_sqlite(self, compiler, connection, **extra_context):
        body, params = compiler.compile(self.source_expressions[0])
        at = f"json_extract({body}, '$.at')"
        return (
            f"CASE WHEN length({at}) = 32 AND substr({at}, 27) = '+00:00' THEN "
            f"substr({at}, 1, 10) || ' ' || substr({at}, 12, 8) || "
            f"CASE WHEN substr({at}, 20, 7) = '.000000' THEN '' ELSE substr({at}, 20, 7) END END"
        ), params

    def as_postgresql(self, compiler, connection, **extra_context):
        body, params = compiler.compile(self.source_expressions[0])
        at = f"({body}::jsonb ->> 'at')"
        parts = ", ".join(
            f"substr({at}, {start}, {length})::{kind}"
            for start, length, kind in (
                (1, 4, "integer"),
                (6, 2, "integer"),
                (9, 2, "integer"),
                (12, 2, "integer"),
                (15, 2, "integer"),
                (18, 9, "double precision"),
            )
        )
        return (
            f"CASE WHEN length({at}) = 32 AND substr({at}, 27) = '+00:00' THEN "
            f"timezone('UTC', make_timestamp({parts})) END"
        ), params

    def as_sql(self, compiler, connection, **extra_context):
        raise NotImplementedError(f"ledger columns are not generated on {connection.vendor}")


def expression(name: str, output_field):
    """The expression that generates the column ``name`` from the body."""
    if name == "at":
        return BodyTime(output_field=output_field)
    return BodyValue(
        *PATHS[name], output_field=output_field, json=name == "data", cast=_POSTGRES_CASTS.get(name, "")
    )

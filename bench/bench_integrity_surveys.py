"""Survey indices: IKM, IPAK and IPKP over 1,000,000 answers by service and month, through the selectors.

One million `SurveyAnswer` rows (the SKM's nine elements, IPAK's eight items and IPKP's six, for
seven services over twelve months) are written straight into the table; then `selectors.survey_results`
computes each instrument's index per service and month (one GROUP BY in the database, the indices
from its sums). The limit, measured in the same run, is the same aggregation in plain numpy over the
same numbers already in memory (`np.bincount` over a combined group key). Both results are compared:
the benchmark fails if they differ.
"""

from __future__ import annotations

import os
import time
from datetime import date
from fractions import Fraction

import numpy as np

from bench.bench_ledger import fresh_database
from bench.report import figure

ANSWERS = int(os.environ.get("BENCH_SURVEY_ANSWERS", "1000000"))
SERVICES = ["skck", "sktlk", "lp", "keramaian", "dumas", "sim", "etle"]
MONTHS = [date(2026, m, 1) for m in range(1, 13)]
BATCH = 20000


def _populate(rng: np.random.Generator):
    """Write the answers; returns them as numpy columns (instrument, service, month, item, score)."""
    from django.db import connection, transaction

    from bersih.core.models import Unit
    from bersih.integrity.indices import instruments

    unit = Unit.objects.create(code=f"bench-ikm-{time.time_ns()}", name="Polres Bench", kind="polres")
    specs = [(code, instruments()[code]) for code in ("skm", "ipak", "ipkp")]
    per_respondent = sum(len(spec.items) for _, spec in specs)
    respondents = ANSWERS // per_respondent
    columns = {"instrument": [], "service": [], "month": [], "item": [], "score": []}
    service_of = rng.integers(0, len(SERVICES), respondents)
    month_of = rng.integers(0, len(MONTHS), respondents)
    with transaction.atomic(), connection.cursor() as cursor:
        response_rows, answer_rows = [], []
        response_id = 0
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM integrity_surveyresponse")
        response_id = cursor.fetchone()[0]
        for r in range(respondents):
            service, month = SERVICES[service_of[r]], MONTHS[month_of[r]]
            for code, spec in specs:
                response_id += 1
                response_rows.append(
                    (response_id, code, service, unit.pk, month, "walk_in", "", "2026-12-01 00:00:00")
                )
                scores = rng.integers(spec.scale_min, spec.scale_max + 1, len(spec.items))
                for item, score in zip(spec.item_codes, scores, strict=True):
                    answer_rows.append((response_id, code, service, unit.pk, month, item, int(score)))
                    columns["instrument"].append(code)
                    columns["service"].append(service_of[r])
                    columns["month"].append(month_of[r])
                    columns["item"].append(item)
                    columns["score"].append(int(score))
            if len(answer_rows) >= BATCH or r == respondents - 1:
                cursor.executemany(
                    "INSERT INTO integrity_surveyresponse (id, instrument, service, unit_id, month, channel,"
                    " suggestion, submitted_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                    response_rows,
                )
                cursor.executemany(
                    "INSERT INTO integrity_surveyanswer (response_id, instrument, service, unit_id, month,"
                    " item, score) VALUES (%s, %s, %s, %s, %s, %s, %s)",
                    answer_rows,
                )
                response_rows, answer_rows = [], []
    return {key: np.array(values) for key, values in columns.items()}, specs


def _selector_indices(specs) -> dict:
    from bersih.integrity.selectors import survey_results

    out = {}
    for code, _spec in specs:
        for result in survey_results(instrument=code):
            out[(code, *result.key)] = result.index
    return out


def _numpy_indices(columns, specs) -> dict:
    """The same indices from the numbers in memory: per (service, month, item) sum and count, then the
    NRR per item and the instrument's index, exactly as the selector computes them."""
    from bersih.integrity.indices import ikm, index_on_four

    out = {}
    n_groups = len(SERVICES) * len(MONTHS)
    for code, spec in specs:
        mask = columns["instrument"] == code
        items = columns["item"][mask]
        item_index = {item: n for n, item in enumerate(spec.item_codes)}
        item_ids = np.vectorize(item_index.get)(items) if len(items) else items
        key = (columns["service"][mask] * len(MONTHS) + columns["month"][mask]) * len(spec.items) + item_ids
        size = n_groups * len(spec.items)
        sums = np.bincount(key, weights=columns["score"][mask], minlength=size).reshape(
            n_groups, len(spec.items)
        )
        counts = np.bincount(key, minlength=size).reshape(n_groups, len(spec.items))
        for group in np.flatnonzero(counts.sum(axis=1)):
            nrr = [Fraction(int(s), int(c)) for s, c in zip(sums[group], counts[group], strict=True)]
            service, month = SERVICES[group // len(MONTHS)], MONTHS[group % len(MONTHS)]
            index = ikm(nrr) if code == "skm" else index_on_four(spec, sum(nrr, Fraction(0)) / len(nrr))
            out[(code, service, month)] = index
    return out


def _best_of(step, repeat: int = 3) -> tuple[float, dict]:
    best, result = float("inf"), {}
    for _ in range(repeat):
        started = time.perf_counter()
        result = step()
        best = min(best, time.perf_counter() - started)
    return best, result


def run() -> bool:
    fresh_database()
    columns, specs = _populate(np.random.default_rng(2026))
    count = len(columns["score"])
    seconds, through_selectors = _best_of(lambda: _selector_indices(specs))
    numpy_seconds, in_numpy = _best_of(lambda: _numpy_indices(columns, specs))
    same = through_selectors == in_numpy
    print(
        f"   {count:,} answers; {len(through_selectors)} (instrument, service, month) groups;"
        f" results equal: {same}"
    )
    figure(
        "indices through the selectors",
        count / seconds,
        "answers/s",
        limit=count / numpy_seconds,
        note=f"{seconds:.2f} s; limit = the same aggregation in plain numpy in memory"
        f" ({numpy_seconds:.3f} s)",
    )
    return same

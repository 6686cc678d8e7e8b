"""The tamper-evident ledger.

``from bersih import ledger; ledger.record(actor=…, action=…, subject=…, data=…)``; for reads of
secret records ``ledger.record_read(actor=…, subject=…, reason=…)``. See docs/ledger.md.
"""


def record(**kwargs):
    from .services import record as _record

    return _record(**kwargs)


def record_read(**kwargs):
    from .services import record_read as _record_read

    return _record_read(**kwargs)


def system_actor():
    from .services import SYSTEM

    return SYSTEM

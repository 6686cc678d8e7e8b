"""The tamper-evident ledger.

``from bersih import ledger; ledger.record(actor=…, action=…, subject=…, data=…)``.
"""


def record(**kwargs):
    from .services import record as _record

    return _record(**kwargs)


def system_actor():
    from .services import SYSTEM

    return SYSTEM

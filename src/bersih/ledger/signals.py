"""Sign-in events become ledger entries, whatever path signed the person in (form, admin, SSO).

Connected in ``LedgerConfig.ready``. These are audit records, not business logic.
"""

from __future__ import annotations

from .services import SYSTEM, record

MAX_USERNAME = 150


def _home_unit(user):
    assignment = user.assignments.filter(unit__isnull=False).select_related("unit").first()
    return assignment.unit if assignment else None


def on_logged_in(sender, request, user, **kwargs):
    record(actor=user, action="core.user.signed_in", subject=user, unit=_home_unit(user))


def on_logged_out(sender, request, user, **kwargs):
    if user is not None and getattr(user, "pk", None):
        record(actor=user, action="core.user.signed_out", subject=user, unit=_home_unit(user))


def on_login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))[:MAX_USERNAME]
    record(actor=SYSTEM, action="core.user.sign_in_failed", data={"username": username})

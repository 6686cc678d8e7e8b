"""Every write of Sipmas (see DESIGN: services write, selectors read)."""

from .handling import (
    SURVEY_AFTER,
    case_assign,
    case_note,
    case_open_by_secret,
    case_reply,
    case_transition,
    reporter_identity_read,
    services_sla_sweep,
    survey_invitation_create,
    survey_url_path,
)
from .intake import CITIZEN, Submitted, Upload, case_submit, handling_unit
from .products import product_issue
from .secrets import secret_digest, secret_matches, secret_new, secret_normalise

__all__ = [
    "CITIZEN",
    "SURVEY_AFTER",
    "Submitted",
    "Upload",
    "case_assign",
    "case_note",
    "case_open_by_secret",
    "case_reply",
    "case_submit",
    "case_transition",
    "handling_unit",
    "product_issue",
    "reporter_identity_read",
    "secret_digest",
    "secret_matches",
    "secret_new",
    "secret_normalise",
    "services_sla_sweep",
    "survey_invitation_create",
    "survey_url_path",
]

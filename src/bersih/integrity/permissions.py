"""Who may do what in the integrity zone; the scope (the assessed unit's tree) comes from ``restrict``,
and the round's roles from ``rules.ROUND_ROLES`` (checked by the services)."""

from __future__ import annotations

import rules

from bersih.core.permissions import has_role, is_oversight, is_staff_member

for model in ("assessment", "assessmentanswer", "answerevidence"):
    rules.add_perm(f"integrity.view_{model}", is_staff_member)
rules.add_perm("integrity.add_assessment", has_role("supervisor", "leadership", "administrator"))
rules.add_perm("integrity.answer_assessment", has_role("officer", "supervisor", "leadership", "oversight"))
rules.add_perm("integrity.advance_assessment", has_role("supervisor", "leadership", "oversight"))
rules.add_perm("integrity.view_surveys", is_staff_member | is_oversight)
rules.add_perm("integrity.view_signals", is_oversight)

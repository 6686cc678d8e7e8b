"""Who may do what in Sipmas; the scope (the unit subtree, never the unit complained about) comes from
``Case.objects.restrict``."""

from __future__ import annotations

import rules

from bersih.core.permissions import has_role, is_oversight, is_staff_member

is_handler = has_role("officer", "supervisor", "investigator")

# Reading cases of one's units: any police staff (the unit's own cases only, by restrict); oversight
# and leadership read their whole subtree.
for model in ("case", "caseevent", "caseattachment", "requester", "surveyinvitation"):
    rules.add_perm(f"services.view_{model}", is_staff_member)
# Handling: status steps, notes, assignment. Verifying complaints: Siwas's officers (the service checks
# that the case is in their scope, which for a new complaint is Siwas or Propam).
rules.add_perm("services.handle_case", is_handler)
rules.add_perm("services.verify_complaint", is_handler)
# The leadership monitoring view across every module.
rules.add_perm("services.monitor_services", is_oversight | has_role("supervisor"))

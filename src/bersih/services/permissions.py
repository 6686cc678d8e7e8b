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


# Counter intake (catalogue area): the officers and heads of a unit responsible for a request service
# (or of a Polres or Polda above such units) take requests at its counter; which services and where is
# catalogue_selectors.counter_units's.
@rules.predicate
def at_a_request_counter(user) -> bool:
    from . import rules as policy

    if not getattr(user, "is_authenticated", False):
        return False
    kinds = {policy.SERVICES[code].unit_kind for code in policy.REQUEST_SERVICES} | {"polres", "polda"}
    return any(
        a.role in ("officer", "supervisor") and a.unit_id and a.unit.kind in kinds
        for a in user.active_assignments()
    )


rules.add_perm("services.counter_intake", at_a_request_counter)

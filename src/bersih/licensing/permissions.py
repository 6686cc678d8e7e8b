"""Who may do what at the Satpas; the scope (the unit subtree) comes from ``restrict``."""

from __future__ import annotations

import rules

from bersih.core.permissions import has_role, is_oversight

is_clerk = has_role("counter_clerk")
is_supervisor = has_role("supervisor")
is_satpas_staff = has_role("counter_clerk", "supervisor")

# The set-up and the day's tickets: the Satpas's clerks and supervisors; oversight reads everything.
for model in ("counter", "countershift", "application", "ticket", "lineentry", "feepayment", "feecallback"):
    rules.add_perm(f"licensing.view_{model}", is_satpas_staff | has_role("administrator") | is_oversight)
# Serving at a counter: a clerk, at the counter they staff today (services check the shift).
rules.add_perm("licensing.serve_counter", is_clerk)
# Issuing tickets (the kiosk signs in as a clerk of the hall) and marking the priority lane.
rules.add_perm("licensing.add_ticket", is_satpas_staff)
rules.add_perm("licensing.mark_priority", is_satpas_staff)
# Putting clerks on counters, and serving someone out of order (with a written reason): supervisors.
rules.add_perm("licensing.staff_counter", is_supervisor)
rules.add_perm("licensing.override_counter", is_supervisor)
# Setting up the Satpas's counters (number, stage, open or closed): supervisors and administrators.
rules.add_perm("licensing.add_counter", is_supervisor | has_role("administrator"))
rules.add_perm("licensing.change_counter", is_supervisor | has_role("administrator"))
# Statistics and integrity signals: supervisors and the oversight roles.
rules.add_perm("licensing.view_statistics", is_supervisor | is_oversight)

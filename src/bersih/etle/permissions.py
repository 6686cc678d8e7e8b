"""Who may see ETLE records; the scope (the unit subtree) comes from ``restrict``."""

from __future__ import annotations

import rules

from bersih.core.permissions import has_role, is_oversight

is_traffic_staff = has_role("officer", "investigator", "supervisor", "administrator")
# The casework itself (owners' addresses, payments): Satlantas officers, not the system administrator.
is_traffic_caseworker = has_role("officer", "investigator", "supervisor")

rules.add_perm("etle.view_camera", is_traffic_staff | is_oversight)
rules.add_perm("etle.view_capture", is_traffic_staff | is_oversight)
rules.add_perm("etle.view_violation", is_traffic_staff | is_oversight)

# Deciding a case (approve, reject, correct the plate, change the violation) is an investigator's
# act (penyidik, Perpol 7/2021): the scope is the units where the person holds that role.
is_investigator = has_role("investigator")
rules.add_perm("etle.review_violation", is_investigator)
# Oversight of the decisions: rates per officer, for supervisors and the oversight roles.
rules.add_perm("etle.oversee_violation", has_role("supervisor") | is_oversight)
# The wrong-address work list: correcting an addressee's address and resending the letter, or closing
# a case whose letter cannot be delivered, is work for the traffic staff of the case's unit.
rules.add_perm("etle.letter_violation", is_traffic_caseworker)

# Payments: the virtual accounts, refunds and reconciliation runs are for Satlantas staff and the
# oversight roles (leadership included). Reconciling a statement is traffic staff's work.
rules.add_perm("etle.view_payment", is_traffic_caseworker | is_oversight)
rules.add_perm("etle.view_refund", is_traffic_caseworker | is_oversight)
rules.add_perm("etle.view_reconciliationrun", is_traffic_caseworker | is_oversight)
rules.add_perm("etle.add_reconciliationrun", is_traffic_caseworker)
# Recording the court's verdict and paying out refunds: investigators and supervisors, in the units
# where they hold one of those roles (selectors.verdict_cases, selectors.refunds_manageable).
is_case_officer = has_role("investigator", "supervisor")
rules.add_perm("etle.verdict_violation", is_case_officer)
rules.add_perm("etle.settle_refund", is_case_officer)
# Disputes of the owner's answer (sold, not mine) are decided by the investigators of the case's unit;
# the uploads are identity documents: need-to-know, each view recorded in the ledger.
rules.add_perm("etle.review_dispute", is_investigator)

# STNK blocks: a supervisor lifts a wrong block (and closes the case); the block records (the Samsat
# feed) are read by supervisors, administrators and the oversight roles. The dashboard is for
# supervisors and the oversight roles (``oversee_violation``).
is_supervisor = has_role("supervisor")
rules.add_perm("etle.unblock_violation", is_supervisor)
rules.add_perm("etle.view_stnkblock", has_role("supervisor", "administrator") | is_oversight)

"""Who may see ETLE records; the scope (the unit subtree) comes from ``restrict``."""

from __future__ import annotations

import rules

from bersih.core.permissions import has_role, is_oversight

is_traffic_staff = has_role("officer", "investigator", "supervisor", "administrator")

rules.add_perm("etle.view_camera", is_traffic_staff | is_oversight)
rules.add_perm("etle.view_capture", is_traffic_staff | is_oversight)
rules.add_perm("etle.view_violation", is_traffic_staff | is_oversight)

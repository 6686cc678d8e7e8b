"""Who may read the ledger: oversight (Siwas, Propam, the assessment team) and leadership.

What they see follows their unit scope (``Entry.objects.restrict``); entries without a unit (the
system's own work, installation-wide events) are shown to those whose scope is a root of the tree.
"""

import rules
from django.utils.translation import gettext_lazy as _

from bersih.core.navigation import NavEntry, register
from bersih.core.permissions import is_oversight

rules.add_perm("ledger.view_entry", is_oversight)
rules.add_perm("ledger.view_checkpoint", is_oversight)

register(
    NavEntry(
        key="ledger",
        label=_("Ledger"),
        url_name="ledger:entries",
        permission="ledger.view_entry",
        description=_("Every recorded action, tamper-evident"),
        order=900,
    )
)

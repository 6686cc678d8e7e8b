"""Who may see and act on the outbox. The unit scope of each record is applied by ``restrict``."""

import rules

from bersih.core.permissions import has_role

can_view_outbox = has_role("officer", "supervisor", "oversight", "leadership", "administrator")
can_act_on_outbox = has_role("supervisor", "administrator")
can_handle_post = has_role("officer", "supervisor", "administrator")

rules.add_perm("notify.view_message", can_view_outbox)
rules.add_perm("notify.retry_message", can_act_on_outbox)
rules.add_perm("notify.view_postbatch", can_view_outbox)
rules.add_perm("notify.view_postletter", can_view_outbox)
rules.add_perm("notify.return_postletter", can_handle_post)

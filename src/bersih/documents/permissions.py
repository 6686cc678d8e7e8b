"""Who may see documents: staff of the issuing unit's subtree (scope by ``Document.objects.restrict``)."""

from __future__ import annotations

import rules

from bersih.core.permissions import is_staff_member

rules.add_perm("documents.view_document", is_staff_member)
rules.add_perm("documents.download_document", is_staff_member)

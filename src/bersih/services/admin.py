"""Sipmas in the admin site: read only (cases change through the services, which write the ledger).

The requester (a complainant's identity) is not registered: it is read only through
``reporter_identity_read``, by the handling officer, each read a ledger entry.
"""

from django.contrib import admin

from bersih.core.admin_base import ReadOnlyAdmin

from .models import Case, CaseAttachment, CaseEvent, SurveyInvitation

# --- Handling ---------------------------------------------------------------------------------------


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = [
        "tracking_number",
        "service",
        "category",
        "status",
        "unit",
        "assignee",
        "due_at",
        "closed_at",
    ]
    list_filter = ["service", "category", "privacy", "channel", "escalation_level"]
    search_fields = ["tracking_number"]
    list_select_related = ["unit", "assignee"]
    exclude = ["secret_digest", "intake_token"]


@admin.register(CaseEvent)
class CaseEventAdmin(ReadOnlyAdmin):
    list_display = ["case", "at", "kind", "status", "public", "actor_label"]
    list_filter = ["kind", "public"]
    search_fields = ["case__tracking_number"]
    list_select_related = ["case"]


@admin.register(CaseAttachment)
class CaseAttachmentAdmin(ReadOnlyAdmin):
    list_display = ["case", "file", "requirement", "from_citizen", "added_at"]
    list_filter = ["from_citizen"]
    search_fields = ["case__tracking_number"]
    list_select_related = ["case", "file"]


@admin.register(SurveyInvitation)
class SurveyInvitationAdmin(ReadOnlyAdmin):
    list_display = ["service", "unit", "created_at", "expires_at", "used_at"]
    list_filter = ["service"]
    exclude = ["token_digest"]

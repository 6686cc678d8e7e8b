"""The ledger in the admin: read-only (the tables are append-only in the database too)."""

from django.contrib import admin

from bersih.core.admin_base import ReadOnlyAdmin

from .models import Checkpoint, Entry


@admin.register(Entry)
class EntryAdmin(ReadOnlyAdmin):
    list_display = ["seq", "at", "actor_label", "action", "subject_type", "subject_ref", "unit"]
    list_filter = ["actor_kind"]
    search_fields = ["action", "subject_ref", "actor_label"]
    list_select_related = ["unit"]


@admin.register(Checkpoint)
class CheckpointAdmin(ReadOnlyAdmin):
    list_display = ["seq", "entry_count", "created_at", "key_id", "head_hash"]

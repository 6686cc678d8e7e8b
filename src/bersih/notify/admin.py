from django.contrib import admin

from .models import Message, PostBatch, PostLetter, SweepRun


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["created_at", "channel", "template", "status", "attempts", "unit"]
    list_filter = ["status", "channel"]
    search_fields = ["idempotency_key", "subject_ref", "provider_message_id"]
    readonly_fields = [f.name for f in Message._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(PostBatch)
class PostBatchAdmin(admin.ModelAdmin):
    list_display = ["day", "unit", "letter_count"]
    readonly_fields = [f.name for f in PostBatch._meta.fields]


@admin.register(PostLetter)
class PostLetterAdmin(admin.ModelAdmin):
    list_display = ["tracking_code", "name", "city", "postcode", "status", "batch"]
    list_filter = ["status"]
    search_fields = ["tracking_code", "name"]
    readonly_fields = [f.name for f in PostLetter._meta.fields]


@admin.register(SweepRun)
class SweepRunAdmin(admin.ModelAdmin):
    list_display = ["name", "last_started", "last_finished", "last_ok", "runs"]
    readonly_fields = [f.name for f in SweepRun._meta.fields]

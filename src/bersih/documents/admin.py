from django.contrib import admin

from .models import Document, StoredFile


class ReadOnlyAdmin(admin.ModelAdmin):
    """Files and documents change only through services (which write the ledger), never by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(StoredFile)
class StoredFileAdmin(ReadOnlyAdmin):
    list_display = ["sha256", "original_name", "content_type", "size", "created_at"]
    search_fields = ["sha256", "original_name"]


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdmin):
    list_display = ["code", "title", "unit", "direction", "signed", "signature_valid", "issued_at"]
    list_filter = ["direction", "kind", "signed"]
    search_fields = ["code", "title"]
    list_select_related = ["unit"]

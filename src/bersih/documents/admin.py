from django.contrib import admin

from bersih.core.admin_base import ReadOnlyAdmin

from .models import Document, StoredFile


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

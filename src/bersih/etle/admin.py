from django.contrib import admin

from bersih.core.admin_base import ReadOnlyAdmin

from .models import BankCallback, Camera, Capture, Payment, ReconciliationRun, Refund, Vehicle, Violation


@admin.register(Camera)
class CameraAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "road", "unit", "api_client", "active"]
    list_filter = ["active", "vendor"]
    search_fields = ["code", "name", "road"]


@admin.register(Vehicle)
class VehicleAdmin(ReadOnlyAdmin):
    list_display = ["plate", "vehicle_class", "make", "colour", "registration_valid_until", "blocked"]
    list_filter = ["vehicle_class", "blocked"]
    search_fields = ["plate"]


@admin.register(Violation)
class ViolationAdmin(ReadOnlyAdmin):
    list_display = ["tracking_number", "plate", "violation_code", "status", "camera", "first_captured_at"]
    list_filter = ["status", "violation_code", "needs_review"]
    search_fields = ["tracking_number", "plate"]
    list_select_related = ["camera"]


@admin.register(Capture)
class CaptureAdmin(ReadOnlyAdmin):
    list_display = ["camera", "event_id", "plate_read", "violation_code", "captured_at", "needs_review"]
    list_filter = ["source", "needs_review"]
    search_fields = ["event_id", "plate"]
    list_select_related = ["camera"]


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = [
        "va_number",
        "violation",
        "purpose",
        "amount",
        "status",
        "due_on",
        "paid_at",
        "bank_reference",
    ]
    list_filter = ["status", "purpose"]
    search_fields = ["va_number", "bank_reference", "violation__tracking_number"]
    list_select_related = ["violation"]


@admin.register(BankCallback)
class BankCallbackAdmin(ReadOnlyAdmin):
    list_display = ["received_at", "outcome", "status", "reason", "va_number", "bank_reference", "amount"]
    list_filter = ["outcome", "reason"]
    search_fields = ["va_number", "bank_reference", "payload_sha256"]


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = ["violation", "amount", "claim_by", "status", "settled_at"]
    list_filter = ["status"]
    search_fields = ["violation__tracking_number"]
    list_select_related = ["violation"]


@admin.register(ReconciliationRun)
class ReconciliationRunAdmin(ReadOnlyAdmin):
    list_display = [
        "day",
        "unit",
        "statement_lines",
        "matched",
        "mismatch_count",
        "actor_label",
        "created_at",
    ]
    list_select_related = ["unit"]

from django.contrib import admin

from bersih.core.admin_base import ReadOnlyAdmin

from .models import Camera, Capture, Vehicle, Violation


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

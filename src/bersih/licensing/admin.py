"""The Satpas in the administration: counters are set up here (through ``services.counter_save``, which
checks the scope and writes the ledger); shifts, applications, tickets, lines, fees and the bank's
notifications are shown, never edited (they change only through the services)."""

from __future__ import annotations

from django.contrib import admin

from bersih.core.admin import ServiceErrorsMixin, _call, _scope_filter
from bersih.core.admin_base import ReadOnlyAdmin

from . import services
from .models import Application, Counter, CounterShift, FeeCallback, FeePayment, LineEntry, Ticket


@admin.register(Counter)
class CounterAdmin(ServiceErrorsMixin, admin.ModelAdmin):
    list_display = ["number", "stage", "name", "unit", "active"]
    list_filter = ["stage", "active"]
    search_fields = ["name", "unit__name"]
    list_select_related = ["unit"]
    fields = ["unit", "number", "stage", "name", "active"]

    def get_queryset(self, request):
        return _scope_filter(request, super().get_queryset(request), "unit__path")

    def get_readonly_fields(self, request, obj=None):
        return ("unit",) if obj is not None else ()

    def has_add_permission(self, request, obj=None):
        return request.user.has_perm("licensing.add_counter")

    def has_change_permission(self, request, obj=None):
        return request.user.has_perm("licensing.change_counter")

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        saved = _call(
            services.counter_save,
            actor=request.user,
            unit=obj.unit if change else data["unit"],
            number=data["number"],
            stage=data["stage"],
            name=data.get("name", ""),
            active=data.get("active", False),
            counter=Counter.objects.get(pk=obj.pk) if change else None,
        )
        obj.pk = saved.pk

    def save_related(self, request, form, formsets, change):
        return None

    def log_addition(self, request, obj, message):  # the ledger records it
        return None

    def log_change(self, request, obj, message):
        return None


@admin.register(CounterShift)
class CounterShiftAdmin(ReadOnlyAdmin):
    list_display = ["day", "counter", "clerk", "assigned_by", "assigned_at"]
    list_filter = ["day", "counter__stage"]
    search_fields = ["clerk__username", "clerk__full_name"]
    list_select_related = ["counter", "clerk", "assigned_by"]


@admin.register(Application)
class ApplicationAdmin(ReadOnlyAdmin):
    list_display = ["tracking_number", "full_name", "service", "sim_class", "channel", "status", "created_at"]
    list_filter = ["status", "service", "sim_class", "channel"]
    search_fields = ["tracking_number", "nik", "full_name"]


@admin.register(Ticket)
class TicketAdmin(ReadOnlyAdmin):
    list_display = ["day", "label", "application", "stage", "state", "priority_reason", "issued_at"]
    list_filter = ["day", "state", "stage"]
    search_fields = ["application__tracking_number", "application__nik"]
    list_select_related = ["application"]


@admin.register(LineEntry)
class LineEntryAdmin(ReadOnlyAdmin):
    list_display = ["day", "ticket", "stage", "state", "priority", "entered_at", "counter", "out_of_order"]
    list_filter = ["day", "stage", "state", "priority", "out_of_order"]
    search_fields = ["ticket__application__tracking_number"]
    list_select_related = ["ticket", "counter"]


@admin.register(FeePayment)
class FeePaymentAdmin(ReadOnlyAdmin):
    list_display = ["va_number", "application", "amount", "status", "opened_at", "paid_at", "bank_reference"]
    list_filter = ["status", "channel"]
    search_fields = ["va_number", "bank_reference", "application__tracking_number"]
    list_select_related = ["application"]


@admin.register(FeeCallback)
class FeeCallbackAdmin(ReadOnlyAdmin):
    list_display = ["received_at", "outcome", "status", "reason", "va_number", "bank_reference", "amount"]
    list_filter = ["outcome", "reason"]
    search_fields = ["va_number", "bank_reference", "payload_sha256"]

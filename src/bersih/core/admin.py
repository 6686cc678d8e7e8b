"""The administration site for the organisation and its people.

Every change to people and roles goes through ``core.services`` so that it is checked against the
administrator's scope and recorded in the ledger; nothing here writes those tables directly.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from . import services
from .models import Agency, Assignment, Unit, User
from .querysets import scope_paths


@login_not_required
def _admin_login(request, extra_context=None):
    """The administration site signs in through Bersih's own page (lockout, second factor, ledger)."""
    return redirect_to_login(request.GET.get("next") or reverse("admin:index"), reverse("core:login"))


admin.site.login = _admin_login
admin.site.site_header = _("Bersih administration")
admin.site.site_title = _("Bersih")


def _scope_filter(request, queryset, unit_field: str):
    """Administrators see the records of their own subtrees; superusers see everything."""
    if request.user.is_superuser:
        return queryset
    paths = scope_paths(request.user)
    if not paths:
        return queryset.none()
    from functools import reduce
    from operator import or_

    from django.db.models import Q

    return queryset.filter(reduce(or_, (Q(**{f"{unit_field}__startswith": p}) for p in paths))).distinct()


def _report(request, exc: Exception) -> None:
    text = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
    messages.error(request, text)


class Refused(Exception):
    """A service refused an administration change (its message is shown to the administrator)."""

    def __init__(self, error: Exception):
        super().__init__(str(error))
        self.error = error


def _call(service, **kwargs):
    try:
        return service(**kwargs)
    except (PermissionDenied, ValidationError) as exc:
        raise Refused(exc) from exc


class ServiceErrorsMixin:
    """A refusal by a service shows as a message on the same page instead of an error page.

    Administrators (the ``core.change_<model>`` rule) may add as well as change; nobody deletes.
    """

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except Refused as refused:
            _report(request, refused.error)
            return HttpResponseRedirect(request.get_full_path())

    def has_add_permission(self, request, obj=None):
        return request.user.has_perm(f"core.change_{self.model._meta.model_name}")

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "kind", "path", "active")
    list_filter = ("kind", "active")
    search_fields = ("name", "code", "city")
    readonly_fields = ("path",)

    def get_queryset(self, request):
        return _scope_filter(request, super().get_queryset(request), "path")


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "kind", "region", "active")
    list_filter = ("kind", "active")
    search_fields = ("name", "code")
    filter_horizontal = ("partner_units",)


class AssignmentInline(admin.TabularInline):
    model = Assignment
    fk_name = "user"
    extra = 0
    can_delete = False
    fields = ("role", "unit", "agency", "starts_on", "ends_on", "granted_by")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False  # roles are granted on the role assignment page, through the service


@admin.register(User)
class UserAdmin(ServiceErrorsMixin, admin.ModelAdmin):
    list_display = ("username", "full_name", "rank", "email", "is_active", "is_staff")
    list_filter = ("is_active", "is_staff", "assignments__role")
    search_fields = ("username", "full_name", "nrp", "email")
    inlines = [AssignmentInline]
    actions = ["deactivate_selected", "activate_selected", "reset_authenticator"]
    readonly_fields = ("username", "is_active", "is_superuser", "last_login", "date_joined")
    fields = (
        "username",
        "full_name",
        "nrp",
        "rank",
        "email",
        "phone",
        "language",
        "preferred_channel",
        "is_staff",
        "is_active",
        "is_superuser",
        "last_login",
        "date_joined",
    )

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.readonly_fields

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("username", "full_name", "nrp", "rank", "email", "phone", "language", "is_staff")
        return self.fields

    def get_queryset(self, request):
        return _scope_filter(request, super().get_queryset(request), "assignments__unit__path")

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in form.changed_data if name in form.cleaned_data}
        if change:
            _call(services.user_update, actor=request.user, user=obj, **data)
        else:
            created = _call(
                services.user_create,
                actor=request.user,
                **{k: v for k, v in form.cleaned_data.items() if k in self.get_fields(request)},
            )
            obj.pk = created.pk

    @admin.action(description=_("Deactivate the selected people"))
    def deactivate_selected(self, request, queryset):
        for user in queryset:
            try:
                services.user_deactivate(
                    actor=request.user, user=user, reason=str(_("Deactivated in the administration site"))
                )
            except (PermissionDenied, ValidationError) as exc:
                _report(request, exc)

    @admin.action(description=_("Remove the authenticator of the selected people (lost phone)"))
    def reset_authenticator(self, request, queryset):
        for user in queryset:
            try:
                services.otp_devices_reset(
                    actor=request.user, user=user, reason=str(_("Removed in the administration site"))
                )
            except (PermissionDenied, ValidationError) as exc:
                _report(request, exc)

    @admin.action(description=_("Activate the selected people"))
    def activate_selected(self, request, queryset):
        for user in queryset:
            try:
                services.user_activate(actor=request.user, user=user)
            except (PermissionDenied, ValidationError) as exc:
                _report(request, exc)


@admin.register(Assignment)
class AssignmentAdmin(ServiceErrorsMixin, admin.ModelAdmin):
    list_display = ("user", "role", "unit", "agency", "starts_on", "ends_on", "granted_by")
    list_filter = ("role",)
    search_fields = ("user__username", "user__full_name", "unit__name", "agency__name")
    autocomplete_fields = ("user", "unit", "agency")
    actions = ["end_selected"]

    def get_queryset(self, request):
        return _scope_filter(request, super().get_queryset(request), "unit__path")

    def get_readonly_fields(self, request, obj=None):
        # A role is never edited in place: it is ended (here, by its last day) and granted anew.
        return () if obj is None else ("user", "role", "unit", "agency", "starts_on", "granted_by")

    def get_fields(self, request, obj=None):
        return ("user", "role", "unit", "agency", "starts_on", "ends_on") if obj is None else None

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            if "ends_on" in form.changed_data:
                if data["ends_on"] is None:
                    raise Refused(
                        ValidationError(_("A role cannot be extended by ending it later; grant it again."))
                    )
                _call(services.assignment_end, actor=request.user, assignment=obj, ends_on=data["ends_on"])
            return
        granted = _call(
            services.assignment_grant,
            actor=request.user,
            user=data["user"],
            role=data["role"],
            unit=data.get("unit"),
            agency=data.get("agency"),
            starts_on=data.get("starts_on"),
            ends_on=data.get("ends_on"),
        )
        obj.pk = granted.pk

    @admin.action(description=_("End the selected roles today"))
    def end_selected(self, request, queryset):
        for assignment in queryset:
            try:
                services.assignment_end(actor=request.user, assignment=assignment)
            except (PermissionDenied, ValidationError) as exc:
                _report(request, exc)

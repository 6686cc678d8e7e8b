"""Forms of the staff pages (handling): the case list's filters, the next step, notes, assignment and
the logged read of a complainant's identity. They parse; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from bersih.core.models import Unit

from . import rules
from .models import STATUS_CHOICES
from .selectors import CaseFilters, assignable_officers

STATE_CHOICES = [("", _("Open and closed")), ("open", _("Open")), ("closed", _("Closed"))]


class CaseFilterForm(forms.Form):
    nomor = forms.CharField(label=_("Tracking number"), max_length=32, required=False)
    service = forms.ChoiceField(
        label=_("Service"),
        required=False,
        choices=[("", _("All services"))] + [(c, rules.SERVICES[c].name) for c in rules.CASE_SERVICES],
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All statuses")), *STATUS_CHOICES]
    )
    category = forms.ChoiceField(
        label=_("Complaint category"),
        required=False,
        choices=[("", _("All categories"))]
        + [(c, v["label"]) for c, v in rules.COMPLAINT_CATEGORIES.items()],
    )
    state = forms.ChoiceField(label=_("Open or closed"), required=False, choices=STATE_CHOICES)
    unit = forms.ModelChoiceField(label=_("Unit"), required=False, queryset=Unit.objects.none())
    mine = forms.BooleanField(label=_("Assigned to me"), required=False)

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        if units is not None:
            self.fields["unit"].queryset = units

    def filters(self) -> CaseFilters:
        """The valid filters (a bad value is dropped, never an error: it is a list, not a write)."""
        data = (
            self.cleaned_data
            if self.is_valid()
            else {k: v for k, v in getattr(self, "cleaned_data", {}).items() if k not in self.errors}
        )
        unit = data.get("unit")
        return CaseFilters(
            service=data.get("service") or "",
            status=data.get("status") or "",
            category=data.get("category") or "",
            state=data.get("state") or "",
            mine=bool(data.get("mine")),
            unit=unit.pk if unit else None,
            number=(data.get("nomor") or "").strip().upper(),
        )


class StepForm(forms.Form):
    """The next step of a case: only the steps its service allows from where it stands."""

    status = forms.ChoiceField(label=_("Next step"))
    forward_to = forms.CharField(
        label=_("Forwarded to"),
        max_length=200,
        required=False,
        help_text=_("For a complaint that is not our authority: the agency or unit that handles it."),
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown to the citizen. Required for refusals, postponements, forwarding and answers."),
    )

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.case = case
        steps = case.standard.steps
        self.fields["status"].choices = [
            (code, self._label(steps[code])) for code in rules.allowed_next(case.service, case.status)
        ]
        if "forwarded" not in rules.allowed_next(case.service, case.status):
            del self.fields["forward_to"]

    @staticmethod
    def _label(step: rules.Step) -> str:
        if step.needs_reason:
            return _("%(step)s (reason required)") % {"step": step.label}
        return str(step.label)

    def clean(self):
        data = super().clean()
        status = data.get("status")
        if status and status in self.case.standard.steps:
            step = self.case.standard.steps[status]
            if step.needs_reason and not (data.get("reason") or "").strip():
                self.add_error("reason", _("This step needs a reason, shown to the citizen."))
            if status == "forwarded" and not (data.get("forward_to") or "").strip():
                self.add_error("forward_to", _("Say where the complaint is forwarded to."))
        return data

    def reason_text(self) -> str:
        data = self.cleaned_data
        reason = (data.get("reason") or "").strip()
        if data.get("status") == "forwarded":
            return str(
                _("Forwarded to %(to)s. %(reason)s") % {"to": data["forward_to"].strip(), "reason": reason}
            )
        return reason


class NoteForm(forms.Form):
    text = forms.CharField(label=_("Note"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))
    public = forms.BooleanField(
        label=_("Public: show it to the citizen on the tracking page and tell them"),
        required=False,
        initial=False,
    )


class AssignForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("Route to unit"), required=False, queryset=Unit.objects.none())
    assignee = forms.ModelChoiceField(label=_("Give to officer"), required=False, queryset=None)

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        polres = case.unit.polres() or case.unit
        self.fields["unit"].queryset = (
            polres.subtree().filter(active=True).exclude(pk=polres.pk).order_by("path")
        )
        self.fields["assignee"].queryset = assignable_officers(case)
        self.fields["assignee"].label_from_instance = lambda u: u.full_name or u.username

    def clean(self):
        data = super().clean()
        if not data.get("unit") and not data.get("assignee"):
            raise forms.ValidationError(_("Choose a unit, an officer or both."))
        return data


class IdentityForm(forms.Form):
    purpose = forms.CharField(
        label=_("Why you need the reporter's identity"),
        max_length=200,
        help_text=_("Recorded in the ledger with your name."),
    )

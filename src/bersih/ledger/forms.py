from django import forms
from django.utils.translation import gettext_lazy as _

from .selectors import EntryFilter


class EntryFilterForm(forms.Form):
    subject_type = forms.CharField(label=_("Subject type"), max_length=80, required=False)
    subject_id = forms.CharField(label=_("Subject id"), max_length=64, required=False)
    subject_ref = forms.CharField(label=_("Public reference"), max_length=80, required=False)
    actor = forms.CharField(label=_("Actor (username or id)"), max_length=200, required=False)
    action = forms.CharField(
        label=_("Action starts with"), max_length=120, required=False, help_text=_("e.g. etle.violation")
    )
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end date is before the start date."))
        return cleaned

    def criteria(self) -> EntryFilter:
        data = {name: value for name, value in self.cleaned_data.items() if value not in (None, "")}
        return EntryFilter(**{k: v.strip() if isinstance(v, str) else v for k, v in data.items()})

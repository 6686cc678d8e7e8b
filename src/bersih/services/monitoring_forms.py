"""Forms of the leadership monitoring pages: the period and the drill-down's choice of items."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from bersih.core.forms import PeriodForm

from . import rules
from .monitoring_selectors import FIGURES, MAX_DAYS, MODULES


class MonitorPeriodForm(PeriodForm):
    max_days = MAX_DAYS


class MonitorItemsForm(MonitorPeriodForm):
    """Which items of the overview to list: a module, a figure, optionally a service, unit or week."""

    module = forms.ChoiceField(label=_("Module"), choices=[(m, m) for m in MODULES])
    figure = forms.ChoiceField(label=_("Figure"), choices=[(f, f) for f in FIGURES], required=False)
    service = forms.ChoiceField(
        label=_("Service"), choices=[("", "")] + [(c, c) for c in rules.CASE_SERVICES], required=False
    )
    unit = forms.IntegerField(label=_("Unit"), min_value=1, required=False)
    week = forms.DateField(label=_("Week"), required=False)

    def clean_week(self):
        week = self.cleaned_data.get("week")
        if week is not None and week.weekday() != 0:
            raise forms.ValidationError(_("A week starts on a Monday."), code="week")
        return week

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class VerifyForm(forms.Form):
    """The public verification form: a code printed on the document, a PDF file, or both."""

    code = forms.CharField(
        label=_("Verification code"),
        required=False,
        max_length=40,
        help_text=_("Printed under the QR code, e.g. DOC-2026-7K3QX-9MD2B-R"),
    )
    file = forms.FileField(label=_("PDF file"), required=False)

    def clean(self):
        data = super().clean()
        if not data.get("code") and not data.get("file"):
            raise forms.ValidationError(_("Enter the verification code or choose the PDF file."))
        return data


class CompareForm(forms.Form):
    file = forms.FileField(label=_("PDF file"))

"""Forms of the sign-in pages and of the people administration."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.utils.translation import gettext_lazy as _


class SignInForm(AuthenticationForm):
    """Username and password; django-axes checks the lockout inside ``authenticate(request, …)``."""

    error_messages = {
        "invalid_login": _("The username or password is not correct. Both are case-sensitive."),
        "inactive": _("This account is deactivated. Ask your unit's administrator."),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].widget.attrs.update(autocomplete="username", autocapitalize="none")
        self.fields["password"].widget.attrs.update(autocomplete="current-password")


BACKUP_CODE_ALPHABET = frozenset("abcdefghijklmnopqrstuvwxyz234567")


class OtpTokenForm(forms.Form):
    """A six-digit code from the authenticator app, or (where ``allow_backup``) an 8-character backup code."""

    otp_token = forms.CharField(
        label=_("Six-digit code from your authenticator app"),
        min_length=6,
        max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autocapitalize": "none"}),
    )

    def __init__(self, *args, allow_backup: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.allow_backup = allow_backup
        if allow_backup:
            self.fields["otp_token"].label = _("Six-digit code from your authenticator app, or a backup code")
        else:
            self.fields["otp_token"].widget.attrs["inputmode"] = "numeric"

    def clean_otp_token(self) -> str:
        token = self.cleaned_data["otp_token"].replace(" ", "").replace("-", "").lower()
        if token.isdigit() and len(token) == 6:
            return token
        if self.allow_backup and len(token) == 8 and set(token) <= BACKUP_CODE_ALPHABET:
            return token
        if self.allow_backup:
            raise forms.ValidationError(_("Enter the six digits your app shows, or one backup code."))
        raise forms.ValidationError(_("Enter the six digits your authenticator app shows."))


class ResetRequestForm(PasswordResetForm):
    """Django's reset form; each link sent is recorded in the ledger (unknown addresses: nothing)."""

    def save(self, *args, request=None, **kwargs):
        self._request = request
        return super().save(*args, request=request, **kwargs)

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        from . import services

        super().send_mail(subject_template_name, email_template_name, context, *args, **kwargs)
        services.password_reset_record_request(request=self._request, user=context["user"])


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300)


class PeriodForm(forms.Form):
    """A period of WIB dates (inclusive), at most ``max_days`` long, the start not after the end.

    Dashboards subclass it with their own ``max_days``.
    """

    max_days = 366

    # A date input takes ISO dates whatever the language (Indonesian would write 28-11-2026).
    start = forms.DateField(
        label=_("From"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    end = forms.DateField(label=_("To"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if start > end:
                raise forms.ValidationError(_("The start of the period is after its end."), code="order")
            if (end - start).days + 1 > self.max_days:
                raise forms.ValidationError(
                    _("A period may span at most %(days)d days.") % {"days": self.max_days}, code="too_long"
                )
        return data

"""Forms of the public complaint page and the citizen's reply on /lacak/: input shape only; the rules
(privacy, routing, limits) are ``services.case_submit`` and ``services.case_reply``'s."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from bersih.core.models import Unit
from bersih.documents import rules as document_rules
from bersih.documents.services import upload_check

from . import rules
from .services import Upload

MAX_TRACKING = 40
MAX_SECRET = 24


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class EvidenceField(forms.FileField):
    """Several photos or PDFs, each checked by its content (not its name) and size."""

    widget = MultipleFileInput

    def __init__(self, *args, max_files: int = rules.MAX_ATTACHMENTS, **kwargs):
        self.max_files = max_files
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)
        self.widget.attrs.setdefault("accept", "image/jpeg,image/png,image/webp,application/pdf")

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if len(files) > self.max_files:
            raise ValidationError(_("At most %(n)s files.") % {"n": self.max_files})
        uploads = []
        for uploaded in files:
            name = getattr(uploaded, "name", "") or ""
            try:
                checked = upload_check(
                    uploaded, allowed_types=document_rules.EVIDENCE, max_bytes=document_rules.MAX_PDF_BYTES
                )
            except ValidationError as exc:
                raise ValidationError(f"{name}: {' '.join(exc.messages)}") from exc
            uploads.append(Upload(checked.content, name[:200]))
        return uploads


def evidence_help() -> str:
    return gettext("Up to %(n)s photos (JPEG, PNG, WebP) or PDF files, each at most %(mb)s MB.") % {
        "n": rules.MAX_ATTACHMENTS,
        "mb": document_rules.MAX_PDF_BYTES // (1024 * 1024),
    }


def polres_choices():
    return [(u.code, u.name) for u in Unit.objects.filter(kind="polres", active=True).order_by("name")]


class ComplaintForm(forms.Form):
    """The public complaint: what happened, how the reporter's identity is treated, and evidence."""

    polres = forms.ChoiceField(label=_("Polres"), choices=())
    category = forms.ChoiceField(
        label=_("What is it about?"),
        choices=[(code, c["label"]) for code, c in rules.COMPLAINT_CATEGORIES.items()],
        widget=forms.RadioSelect,
    )
    privacy = forms.ChoiceField(
        label=_("Your identity"), choices=list(rules.PRIVACY_MODES.items()), widget=forms.RadioSelect
    )
    title = forms.CharField(label=_("Subject, in a few words"), max_length=rules.TITLE_MAX)
    description = forms.CharField(
        label=_("What happened"),
        max_length=rules.DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "What happened, where, when, who was involved (a name, rank, uniform or vehicle number if you "
            "know it) and how (for example the amount asked and how it was paid)."
        ),
    )
    address = forms.CharField(label=_("Where"), max_length=300, required=False)
    occurred_on = forms.DateField(
        label=_("When"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    complained_unit = forms.ChoiceField(
        label=_("Unit complained about (optional)"),
        required=False,
        choices=(),
        help_text=_("If you know which unit of the Polres it concerns. It will not see your complaint."),
    )
    evidence = EvidenceField(label=_("Evidence (optional)"))
    full_name = forms.CharField(label=_("Full name"), max_length=120, required=False)
    phone = forms.CharField(
        label=_("Phone number"),
        max_length=24,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    email = forms.EmailField(label=_("E-mail"), required=False)

    IDENTITY_FIELDS = ("full_name", "phone", "email")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["evidence"].help_text = evidence_help()
        choices = polres_choices()
        self.fields["polres"].choices = choices
        if len(choices) == 1:
            self.fields["polres"].initial = choices[0][0]
            self.fields["polres"].widget = forms.HiddenInput()
        units = (
            Unit.objects.filter(active=True, parent__kind="polres", parent__active=True)
            .select_related("parent")
            .order_by("parent__name", "name")
        )
        self.units = {u.code: u for u in units}
        self.fields["complained_unit"].choices = [("", _("I do not know / not a specific unit"))] + [
            (u.code, u.name if len(choices) == 1 else f"{u.parent.name} — {u.name}") for u in units
        ]

    def clean_occurred_on(self):
        value = self.cleaned_data.get("occurred_on")
        if value and value > timezone.localdate():
            raise ValidationError(_("This date is in the future."))
        return value

    def clean(self):
        data = super().clean()
        if data.get("privacy") == "anonim":
            # Nothing that identifies an anonymous reporter is kept, whatever was typed.
            for field in self.IDENTITY_FIELDS:
                data[field] = ""
        elif data.get("privacy") and not data.get("full_name", "").strip() and "full_name" not in self.errors:
            self.add_error("full_name", _("Your name is needed unless you report anonymously."))
        polres = Unit.objects.filter(code=data.get("polres"), kind="polres").first()
        data["polres_unit"] = polres
        code = data.get("complained_unit")
        unit = self.units.get(code) if code else None
        if code and (unit is None or polres is None or unit.parent_id != polres.pk):
            self.add_error("complained_unit", _("Choose a unit of this Polres."))
        data["complained_unit_obj"] = unit
        return data

    def requester(self) -> dict | None:
        data = self.cleaned_data
        if data["privacy"] == "anonim":
            return None
        return {"full_name": data["full_name"], "phone": data["phone"], "email": data["email"]}


class LookupForm(forms.Form):
    """Any tracking number with its second factor (the plate, the NIK or the secret code)."""

    nomor = forms.CharField(
        label=_("Tracking number"),
        max_length=MAX_TRACKING,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )
    kode = forms.CharField(
        label=_("Second factor"),
        max_length=MAX_SECRET,
        required=False,
        help_text=_(
            "For a complaint or service request: the secret code shown when you filed it. "
            "For an ETLE ticket: the plate number. For a SIM application: your NIK. "
            "A signed document's code needs nothing more."
        ),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )


class ReplyForm(forms.Form):
    """The citizen's answer to the handling officer (an anonymous reporter too)."""

    text = forms.CharField(
        label=_("Your message"), max_length=rules.DESCRIPTION_MAX, widget=forms.Textarea(attrs={"rows": 5})
    )
    evidence = EvidenceField(label=_("More evidence (optional)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["evidence"].help_text = evidence_help()

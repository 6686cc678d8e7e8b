"""The intake forms of the Sipmas request services (online and at the counter).

What each service asks beyond the common identity and contact fields is data (``INTAKE_FIELDS``): a
field either fills a column of the case (its subject, description, place or date) or goes into
``Case.details``. The forms check the shape of the input and each uploaded file (type and size per
requirement, the number of files); the rules of intake are ``services.case_submit``'s.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from bersih.core.identity import nik_check
from bersih.documents import rules as document_rules
from bersih.documents.services import upload_check
from bersih.notify.channels import normalise_recipient

from . import rules
from .services import Upload

# --- What each service asks ---------------------------------------------------------------------------

# Where a field's value goes: a column of the case, or (blank) Case.details under the field's name.
TITLE, DESCRIPTION, PLACE, DATE = "title", "description", "address", "occurred_on"
# Date rules: not later than today (a loss, an incident); at least CROWD_PERMIT_LEAD_DAYS ahead (an event).
PAST, AHEAD = "past", "ahead"


@dataclass(frozen=True)
class IntakeField:
    name: str
    label: str
    kind: str = "text"  # text, textarea, date, time, integer, choice
    required: bool = True
    max_length: int = 200
    help_text: str = ""
    choices: tuple[tuple[str, str], ...] = ()
    target: str = ""
    date_rule: str = ""
    min_value: int | None = None
    max_value: int | None = None


SKCK_PURPOSES = (
    ("job", _("Applying for a job")),
    ("civil_service", _("Civil service or TNI/Polri selection (CPNS)")),
    ("school", _("School or university admission")),
    ("abroad", _("Travel, work or study abroad (visa)")),
    ("business", _("Business licence or tender")),
    ("other", _("Other purpose")),
)
LOST_ITEMS = (
    ("ktp", _("KTP (identity card)")),
    ("sim", _("SIM (driving licence)")),
    ("stnk", _("Vehicle registration (STNK)")),
    ("bpkb", _("Vehicle ownership book (BPKB)")),
    ("kk", _("Family card (KK)")),
    ("atm", _("Bank card or passbook")),
    ("certificate", _("Certificate, diploma or land title")),
    ("phone", _("Mobile phone")),
    ("wallet", _("Wallet or bag")),
    ("other", _("Other item or document")),
)
EVENT_KINDS = (
    ("wedding", _("Wedding or family celebration")),
    ("music", _("Concert or music performance")),
    ("sport", _("Sports event")),
    ("religious", _("Religious gathering")),
    ("community", _("Community, school or company event")),
    ("exhibition", _("Exhibition, bazaar or market")),
    ("other", _("Other event")),
)

INTAKE_FIELDS: dict[str, tuple[IntakeField, ...]] = {
    "skck": (
        IntakeField("purpose", _("Purpose of the SKCK"), kind="choice", choices=SKCK_PURPOSES),
        IntakeField(
            "purpose_detail",
            _("For which institution or company"),
            required=False,
            max_length=200,
            help_text=_("For example the company or school the SKCK is for."),
        ),
    ),
    "sktlk": (
        IntakeField("item_kind", _("What was lost"), kind="choice", choices=LOST_ITEMS),
        IntakeField(
            "item_identifier",
            _("Number or description of the item"),
            max_length=120,
            help_text=_("The document's number if you know it, or what the item looks like."),
            target=TITLE,
        ),
        IntakeField("place_lost", _("Where it was lost"), max_length=300, target=PLACE),
        IntakeField("date_lost", _("When it was lost"), kind="date", target=DATE, date_rule=PAST),
        IntakeField(
            "circumstances",
            _("How it was lost"),
            kind="textarea",
            required=False,
            max_length=rules.DESCRIPTION_MAX,
            target=DESCRIPTION,
        ),
    ),
    "lp": (
        IntakeField(
            "what",
            _("What happened (in a few words)"),
            max_length=rules.TITLE_MAX,
            help_text=_("For example: motorcycle theft, fraud, assault."),
            target=TITLE,
        ),
        IntakeField(
            "chronology",
            _("What happened, in order"),
            kind="textarea",
            max_length=rules.DESCRIPTION_MAX,
            help_text=_("What, where, when, who and how, as far as you know."),
            target=DESCRIPTION,
        ),
        IntakeField("where", _("Where it happened"), max_length=300, target=PLACE),
        IntakeField("when", _("Date it happened"), kind="date", target=DATE, date_rule=PAST),
        IntakeField("time", _("Time it happened (about)"), kind="time", required=False),
        IntakeField(
            "who",
            _("Who was involved"),
            kind="textarea",
            required=False,
            max_length=1000,
            help_text=_("The people who did it, victims and witnesses, if known."),
        ),
    ),
    "keramaian": (
        IntakeField("event_name", _("Name of the event"), max_length=rules.TITLE_MAX, target=TITLE),
        IntakeField("event_kind", _("Kind of event"), kind="choice", choices=EVENT_KINDS),
        IntakeField("event_date", _("Date of the event"), kind="date", target=DATE, date_rule=AHEAD),
        IntakeField("start_time", _("Starts at"), kind="time"),
        IntakeField("end_time", _("Ends at"), kind="time"),
        IntakeField("venue", _("Place of the event"), max_length=300, target=PLACE),
        IntakeField(
            "attendance",
            _("Expected attendance"),
            kind="integer",
            min_value=1,
            max_value=1_000_000,
            help_text=_("How many people are expected, about."),
        ),
        IntakeField(
            "organiser",
            _("Organising body"),
            required=False,
            max_length=200,
            help_text=_("The committee, organisation or company, if any."),
        ),
        IntakeField(
            "programme",
            _("Programme of the event"),
            kind="textarea",
            required=False,
            max_length=rules.DESCRIPTION_MAX,
            target=DESCRIPTION,
        ),
    ),
}

# Channels the citizen may prefer for our messages (services.messages.tell_requester's).
PREFERRED_CHANNELS = (
    ("", _("No preference")),
    ("whatsapp", _("WhatsApp")),
    ("sms", _("SMS")),
    ("email", _("E-mail")),
)
# The files intake accepts and how large each may be (case_submit stores them with the same bounds).
UPLOAD_TYPES = document_rules.EVIDENCE
UPLOAD_MAX_BYTES = document_rules.MAX_PDF_BYTES
UPLOAD_ACCEPT = "application/pdf,image/jpeg,image/png,image/webp"


def title_for(service: str, values: dict) -> str:
    """The case's subject where no field gives it: the choice made (SKCK: its purpose)."""
    if service == "skck":
        purpose = str(dict(SKCK_PURPOSES).get(values.get("purpose"), ""))
        detail = values.get("purpose_detail") or ""
        return f"{purpose}: {detail}" if detail else purpose
    return ""


# --- The form -----------------------------------------------------------------------------------------


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """One requirement's files (several may be chosen at once); cleaned to a list of uploads."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": UPLOAD_ACCEPT}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, (list, tuple)) else [data]) if f]
        if not files:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return []
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


def _intake_field(spec: IntakeField) -> forms.Field:
    common = {"label": spec.label, "required": spec.required, "help_text": spec.help_text}
    if spec.kind == "choice":
        return forms.ChoiceField(choices=[("", "—"), *spec.choices], **common)
    if spec.kind == "date":
        widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        return forms.DateField(widget=widget, **common)
    if spec.kind == "time":
        return forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"), **common)
    if spec.kind == "integer":
        return forms.IntegerField(min_value=spec.min_value, max_value=spec.max_value, **common)
    widget = forms.Textarea(attrs={"rows": 5}) if spec.kind == "textarea" else None
    return forms.CharField(max_length=spec.max_length, strip=True, widget=widget, **common)


class RequestForm(forms.Form):
    """A request of ``service``: the Polres (when there are several), who asks and how to reach them,
    the service's own fields, and one file input per requirement to upload.

    At the counter (``counter=True``) the officer ticks the documents seen instead: uploads are optional
    and a contact is not required (the citizen takes the printed receipt).
    """

    polres = forms.ChoiceField(label=_("Polres"), choices=())
    full_name = forms.CharField(label=_("Full name as on the KTP"), max_length=120)
    nik = forms.CharField(
        label=_("NIK"),
        max_length=24,
        help_text=_("The 16 digits on your KTP."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    phone = forms.CharField(
        label=_("Phone number"),
        max_length=24,
        required=False,
        help_text=_("For example 0812 3456 7890."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    email = forms.EmailField(label=_("E-mail"), required=False, max_length=254)
    preferred_channel = forms.ChoiceField(
        label=_("How we tell you about each step"), choices=PREFERRED_CHANNELS, required=False
    )
    address = forms.CharField(label=_("Your address"), max_length=300, required=False)

    def __init__(self, *args, service: str, polres_units=(), counter: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.service = service
        self.standard = rules.SERVICES[service]
        self.counter = counter
        self.specs = INTAKE_FIELDS[service]
        units = list(polres_units)
        if len(units) > 1:
            self.fields["polres"].choices = [("", "—"), *((u.code, u.name) for u in units)]
        else:
            del self.fields["polres"]
        if not counter:
            self.fields["phone"].help_text = _(
                "For the SMS or WhatsApp messages about your request; give a phone or an e-mail."
            )
        for spec in self.specs:
            self.fields[spec.name] = _intake_field(spec)
        self.upload_requirements = [r for r in self.standard.requirements if r.upload]
        for requirement in self.upload_requirements:
            self.fields[self.upload_name(requirement.code)] = MultipleFileField(
                label=requirement.label,
                required=requirement.required and not counter,
                help_text=_("PDF, JPEG, PNG or WebP; at most %(size)s MB per file.")
                % {"size": UPLOAD_MAX_BYTES // (1024 * 1024)},
            )
        if counter:
            self.fields["requirements_checked"] = forms.MultipleChoiceField(
                label=_("Documents checked at the counter"),
                choices=[(r.code, r.label) for r in self.standard.requirements],
                required=False,
                widget=forms.CheckboxSelectMultiple,
                help_text=_("Tick each document you have seen; every required one must be seen."),
            )

    @staticmethod
    def upload_name(code: str) -> str:
        return f"file_{code}"

    # --- the groups a template draws -----------------------------------------------------------------

    def person_fields(self):
        names = ["polres", "full_name", "nik", "phone", "email", "preferred_channel", "address"]
        return [self[name] for name in names if name in self.fields]

    def service_fields(self):
        return [self[spec.name] for spec in self.specs]

    def upload_fields(self):
        return [self[self.upload_name(r.code)] for r in self.upload_requirements]

    # --- cleaning --------------------------------------------------------------------------------

    def clean_nik(self):
        try:
            return nik_check(self.cleaned_data["nik"])
        except ValidationError as exc:
            raise ValidationError(exc.messages) from None

    def clean_phone(self):
        phone = self.cleaned_data["phone"].strip()
        return normalise_recipient("sms", phone) if phone else ""

    def _clean_upload(self, requirement):
        name = self.upload_name(requirement.code)
        uploads, errors = [], []
        for file in self.cleaned_data.get(name) or []:
            try:
                checked = upload_check(file, allowed_types=UPLOAD_TYPES, max_bytes=UPLOAD_MAX_BYTES)
            except ValidationError as exc:
                errors.append(f"{file.name}: {' '.join(exc.messages)}")
                continue
            uploads.append(Upload(checked.content, file.name or "", requirement.code))
        if errors:
            self.add_error(name, errors)
        else:
            self.cleaned_data[name] = uploads

    def clean(self):
        cleaned = super().clean()
        for requirement in self.upload_requirements:
            if self.upload_name(requirement.code) not in self.errors:
                self._clean_upload(requirement)
        count = sum(len(cleaned.get(self.upload_name(r.code)) or []) for r in self.upload_requirements)
        if count > rules.MAX_ATTACHMENTS:
            self.add_error(
                None,
                gettext("At most %(n)s files per request (you chose %(count)s).")
                % {"n": rules.MAX_ATTACHMENTS, "count": count},
            )
        for spec in self.specs:
            value = cleaned.get(spec.name)
            if spec.date_rule and isinstance(value, date):
                self._check_date(spec, value)
        self._check_contacts(cleaned)
        if self.counter:
            seen = set(cleaned.get("requirements_checked") or [])
            missing = [str(r.label) for r in self.standard.requirements if r.required and r.code not in seen]
            if missing and "requirements_checked" in self.fields:
                self.add_error(
                    "requirements_checked",
                    gettext("Not yet seen: %(list)s.") % {"list": "; ".join(missing)},
                )
        return cleaned

    def _check_date(self, spec: IntakeField, value: date) -> None:
        today = timezone.localdate()
        if spec.date_rule == PAST and value > today:
            self.add_error(spec.name, gettext("This date is in the future."))
        if spec.date_rule == AHEAD:
            earliest = today + timedelta(days=rules.CROWD_PERMIT_LEAD_DAYS)
            if value < earliest:
                self.add_error(
                    spec.name,
                    gettext(
                        "Apply at least %(days)s days before the event: the earliest date now is %(date)s."
                    )
                    % {"days": rules.CROWD_PERMIT_LEAD_DAYS, "date": earliest.strftime("%d-%m-%Y")},
                )

    def _check_contacts(self, cleaned: dict) -> None:
        phone, email = cleaned.get("phone"), cleaned.get("email")
        if "phone" in self.errors or "email" in self.errors:
            return
        if not self.counter and not phone and not email:
            self.add_error(
                "phone", gettext("Give a phone number or an e-mail address, so that we can tell you.")
            )
        channel = cleaned.get("preferred_channel")
        if channel in ("sms", "whatsapp") and not phone:
            self.add_error("preferred_channel", gettext("Give a phone number for SMS or WhatsApp."))
        if channel == "email" and not email:
            self.add_error("preferred_channel", gettext("Give an e-mail address for e-mail."))

    # --- what case_submit takes -------------------------------------------------------------------

    def requester(self) -> dict:
        data = self.cleaned_data
        return {
            "full_name": data["full_name"],
            "nik": data["nik"],
            "phone": data.get("phone") or "",
            "email": data.get("email") or "",
            "address": data.get("address") or "",
            "preferred_channel": data.get("preferred_channel") or "",
        }

    def uploads(self) -> list[Upload]:
        return [
            u for r in self.upload_requirements for u in self.cleaned_data.get(self.upload_name(r.code)) or []
        ]

    def case_fields(self) -> dict:
        """title, description, address, occurred_on and details for ``case_submit``."""
        data = self.cleaned_data
        columns = {TITLE: "", DESCRIPTION: "", PLACE: "", DATE: None}
        details = {}
        for spec in self.specs:
            value = data.get(spec.name)
            if spec.target:
                columns[spec.target] = value if value is not None else columns[spec.target]
            elif value not in (None, ""):
                details[spec.name] = _json_value(value)
        if not columns[TITLE]:
            columns[TITLE] = title_for(self.service, data)
        if self.counter:
            details["requirements_checked"] = sorted(data.get("requirements_checked") or [])
        return {**columns, "details": details}

    def field_for_error(self, key: str) -> str | None:
        """Which field of this form an error of ``case_submit`` belongs to (None: the whole form)."""
        if key == "attachments":
            return None
        if key in (TITLE, DESCRIPTION, PLACE, DATE):
            spec = next((s for s in self.specs if s.target == key), None)
            return spec.name if spec else None
        return key if key in self.fields else None


def _json_value(value):
    if hasattr(value, "isoformat"):
        return value.isoformat(timespec="minutes") if hasattr(value, "hour") else value.isoformat()
    return value

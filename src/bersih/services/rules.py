"""Sipmas's law and policy as data: the published service standards, each service's steps and clocks,
the complaint categories and privacy modes, the SP4N-LAPOR! deadlines and the escalation ladder.

A changed regulation or service standard is a change here. Each figure carries its source.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

# --- Clocks and steps ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Clock:
    """A deadline that starts when a case enters a step: ``amount`` ``unit`` (see core.calendar)."""

    name: str  # what the clock measures: "service", "verification", "follow_up", "progress", "reply"
    amount: float
    unit: str


KEEP = "keep"  # entering the step leaves the running clock as it is
STOP = None  # entering the step stops the clock (waiting for the citizen, or finished)


@dataclass(frozen=True)
class Step:
    label: str
    public: bool = True  # shown on the public timeline and told to the citizen
    clock: Clock | str | None = KEEP
    terminal: bool = False  # the case is finished (closed, refused, forwarded away)
    needs_reason: bool = False  # entering it requires a written reason, shown to the citizen
    product: str = ""  # entering it issues this product (a key of PRODUCTS): a signed letter


@dataclass(frozen=True)
class Requirement:
    code: str
    label: str
    upload: bool = True  # a document to upload (else brought to the counter)
    required: bool = True


@dataclass(frozen=True)
class ServiceStandard:
    """One service as its published standard (standar pelayanan) describes it.

    ``steps`` are the statuses a case moves through (the first is where intake puts it);
    ``transitions`` say which step may follow which. A service handled by another module
    (``module``) has no steps here: its pages and figures come from that module.
    """

    code: str
    name: str
    unit_kind: str  # the responsible unit's kind (core.rules.UNIT_KINDS)
    prefix: str  # tracking-number prefix
    fee: int  # rupiah; 0 = free
    fee_basis: str
    time_limit: str  # as the standard publishes it, for people
    legal_basis: tuple[str, ...]
    product: str
    requirements: tuple[Requirement, ...] = ()
    procedure: tuple[str, ...] = ()
    steps: dict[str, Step] = field(default_factory=dict)
    transitions: dict[str, tuple[str, ...]] = field(default_factory=dict)
    online: bool = True  # may be filed on the public web form (else only at the counter)
    module: str = ""  # another module serves it ("licensing", "etle")
    module_url: str = ""  # that module's public page (URL name)
    complaint_channel: str = _(
        "Sipmas complaint form (/layanan/pengaduan/), the SPKT desk, e-mail to the complaint mailbox, "
        "or SP4N-LAPOR! (lapor.go.id)"
    )

    @property
    def first_step(self) -> str:
        return next(iter(self.steps))


# --- The services ------------------------------------------------------------------------------------

PP_76_2020 = _("PP 76/2020 on PNBP at the Polri (Lampiran)")

_REJECT = Step(_("Refused"), clock=STOP, terminal=True, needs_reason=True)
_INCOMPLETE = Step(_("Waiting for missing documents"), clock=STOP, needs_reason=True)

SKCK = ServiceStandard(
    code="skck",
    name=_("Police clearance certificate (SKCK)"),
    unit_kind="intelkam",
    prefix="SKCK",
    fee=30_000,
    fee_basis=PP_76_2020,
    time_limit=_("1 working day; about 15 minutes at the counter once the documents are complete"),
    legal_basis=(
        _("Perpol 6/2023 on the police clearance certificate (SKCK)"),
        PP_76_2020,
    ),
    product=_("SKCK, valid for 6 months"),
    requirements=(
        Requirement("ktp", _("Copy of the KTP (identity card)")),
        Requirement("kk", _("Copy of the family card (KK)")),
        Requirement("birth", _("Copy of the birth certificate or diploma")),
        Requirement("photo", _("Passport photo 4 x 6, red background")),
        Requirement("fingerprints", _("Fingerprint card (taken at the counter)"), upload=False),
    ),
    procedure=(
        _("Register online or at the counter"),
        _("Documents checked"),
        _("Fingerprints taken and records checked"),
        _("Fee paid (non-cash)"),
        _("SKCK issued"),
    ),
    steps={
        "submitted": Step(_("Received"), clock=Clock("service", 1, "working_days")),
        "incomplete": _INCOMPLETE,
        "verified": Step(_("Documents checked"), clock=Clock("service", 1, "working_days")),
        "in_process": Step(_("Records being checked")),
        "ready": Step(_("Ready to collect")),
        "issued": Step(_("SKCK issued"), clock=STOP, terminal=True),
        "refused": _REJECT,
    },
    transitions={
        "submitted": ("verified", "incomplete", "refused"),
        "incomplete": ("verified", "refused"),
        "verified": ("in_process", "refused"),
        "in_process": ("ready", "refused"),
        "ready": ("issued",),
    },
)

SKTLK = ServiceStandard(
    code="sktlk",
    name=_("Report of lost items or documents (SKTLK)"),
    unit_kind="spkt",
    prefix="SKTLK",
    fee=0,
    fee_basis=_("Free of charge: no PNBP tariff exists for it (PP 76/2020)"),
    time_limit=_("5 to 10 minutes at the desk; online requests within 1 hour (the SPKT is open 24 hours)"),
    legal_basis=(_("Perkap 14/2018 on the SPKT; UU 25/2009 on public services"),),
    product=_("SKTLK letter, signed electronically"),
    requirements=(
        Requirement("ktp", _("Copy of the KTP (identity card)")),
        Requirement("proof", _("Proof of ownership of the lost item, if any"), required=False),
    ),
    procedure=(
        _("Report the loss online or at the SPKT desk"),
        _("The officer checks the report"),
        _("The signed SKTLK letter is issued"),
    ),
    steps={
        "submitted": Step(_("Received"), clock=Clock("service", 1, "hours")),
        "verified": Step(_("Report checked")),
        "issued": Step(_("SKTLK letter issued"), clock=STOP, terminal=True, product="sktlk_letter"),
        "refused": _REJECT,
    },
    transitions={"submitted": ("verified", "issued", "refused"), "verified": ("issued", "refused")},
)

CRIME_REPORT = ServiceStandard(
    code="lp",
    name=_("Crime report receipt and progress letters (STTLP, SP2HP)"),
    unit_kind="spkt",
    prefix="LP",
    fee=0,
    fee_basis=_("Free of charge"),
    time_limit=_("Receipt (STTLP) within 1 hour; a progress letter (SP2HP) at least every 30 days"),
    legal_basis=(
        _("Perpol 6/2019 on criminal investigation (SP2HP to the reporter)"),
        _("Perkap 14/2018 on the SPKT"),
    ),
    product=_("Report receipt (STTLP) and progress letters (SP2HP)"),
    requirements=(
        Requirement("ktp", _("Copy of the reporter's KTP")),
        Requirement("evidence", _("Evidence or documents supporting the report"), required=False),
    ),
    procedure=(
        _("Report at the SPKT desk (open 24 hours) or online"),
        _("The report is received and the receipt (STTLP) issued"),
        _("The investigator sends progress letters (SP2HP)"),
        _("The case is completed and the reporter told"),
    ),
    steps={
        "submitted": Step(_("Report filed"), clock=Clock("service", 1, "hours")),
        "received": Step(
            _("Report received (STTLP issued)"), clock=Clock("progress", 30, "days"), product="sttlp"
        ),
        "investigating": Step(_("Under investigation"), clock=Clock("progress", 30, "days")),
        "progress": Step(
            _("Progress letter (SP2HP) sent"), clock=Clock("progress", 30, "days"), product="sp2hp"
        ),
        "completed": Step(_("Investigation completed"), clock=STOP, terminal=True, needs_reason=True),
        "refused": _REJECT,
    },
    transitions={
        "submitted": ("received", "refused"),
        "received": ("investigating", "progress", "completed"),
        "investigating": ("progress", "completed"),
        "progress": ("progress", "completed"),
    },
)

CROWD_PERMIT = ServiceStandard(
    code="keramaian",
    name=_("Crowd and event permit (izin keramaian)"),
    unit_kind="intelkam",
    prefix="IZIN",
    fee=0,
    fee_basis=_("Free of charge: no PNBP tariff exists for it (PP 76/2020)"),
    time_limit=_("3 working days; apply at least 7 days before the event"),
    legal_basis=(
        _("UU 2/2002 on the Polri, Pasal 15 ayat (2) huruf a"),
        _("Juklap Kapolri No. Pol/02/XII/1995 on permits and notices of public activities"),
    ),
    product=_("Crowd permit letter, signed electronically"),
    requirements=(
        Requirement("ktp", _("Copy of the organiser's KTP")),
        Requirement("village_letter", _("Letter from the village or kelurahan")),
        Requirement("proposal", _("Event proposal (programme, expected attendance)")),
        Requirement("venue_permit", _("Permit from the venue's owner or manager")),
    ),
    procedure=(
        _("Apply online or at the Sat Intelkam counter"),
        _("Documents checked"),
        _("Security assessment of the event"),
        _("Permit issued or refused with reasons"),
    ),
    steps={
        "submitted": Step(_("Received"), clock=Clock("service", 3, "working_days")),
        "incomplete": _INCOMPLETE,
        "verified": Step(_("Documents checked")),
        "assessed": Step(_("Security assessment done")),
        "issued": Step(_("Permit issued"), clock=STOP, terminal=True, product="crowd_permit"),
        "refused": _REJECT,
    },
    transitions={
        "submitted": ("verified", "incomplete", "refused"),
        "incomplete": ("verified", "refused"),
        "verified": ("assessed", "refused"),
        "assessed": ("issued", "refused"),
    },
)
# An event permit application must arrive this many days before the event (the Juklap above).
CROWD_PERMIT_LEAD_DAYS = 7

# Complaints (Dumas), with the SP4N-LAPOR! statuses and deadlines (Perpres 76/2013 on public-service
# complaint management; PermenPANRB 46/2020 on the SP4N-LAPOR! road map): the administrator verifies
# and forwards within 3 working days, the unit follows up within 5, and an answered complaint the
# reporter does not reply to closes after 10 working days.
VERIFY_WORKING_DAYS = 3
FOLLOW_UP_WORKING_DAYS = 5
CLOSE_AFTER_ANSWER_WORKING_DAYS = 10

COMPLAINT = ServiceStandard(
    code="dumas",
    name=_("Public complaints (Dumas) and whistleblowing"),
    unit_kind="siwas",
    prefix="ADU",
    fee=0,
    fee_basis=_("Free of charge"),
    time_limit=_("Verified within 3 working days; followed up within 5 working days"),
    legal_basis=(
        _("Perpres 76/2013 on public-service complaint management"),
        _("Perpol 2/2022 on complaint handling (Dumas) in the Polri"),
        _("UU 25/2009 on public services, Pasal 36"),
    ),
    product=_("Answer to the complaint"),
    procedure=(
        _("File a complaint: named, confidential or anonymous"),
        _("Siwas verifies it within 3 working days and assigns the handling unit"),
        _("The unit follows up within 5 working days"),
        _("The answer is sent; the case closes after the reporter's reply or 10 working days"),
    ),
    steps={
        "submitted": Step(_("Received"), clock=Clock("verification", VERIFY_WORKING_DAYS, "working_days")),
        "verified": Step(_("Verified"), clock=Clock("follow_up", FOLLOW_UP_WORKING_DAYS, "working_days")),
        "postponed": Step(_("Postponed: more information needed"), clock=STOP, needs_reason=True),
        "forwarded": Step(_("Not our authority: forwarded"), clock=STOP, terminal=True, needs_reason=True),
        "in_progress": Step(_("Being followed up")),
        "answered": Step(
            _("Answered"),
            clock=Clock("reply", CLOSE_AFTER_ANSWER_WORKING_DAYS, "working_days"),
            needs_reason=True,
        ),
        "closed": Step(_("Closed"), clock=STOP, terminal=True),
        "archived": Step(_("Archived"), clock=STOP, terminal=True, needs_reason=True),
    },
    transitions={
        "submitted": ("verified", "postponed", "forwarded", "archived"),
        "postponed": ("verified", "forwarded", "archived"),
        "verified": ("in_progress", "answered"),
        "in_progress": ("answered",),
        "answered": ("closed", "in_progress"),
    },
)

SIM = ServiceStandard(
    code="sim",
    name=_("Driving licence (SIM)"),
    unit_kind="satpas",
    prefix="SIM",
    fee=0,  # per class: licensing.rules.FEES
    fee_basis=_("PP 76/2020, per SIM class (see the SIM service page)"),
    time_limit=_("Same day, in a strict first-in-first-out queue"),
    legal_basis=(_("UU 22/2009 on road traffic, Pasal 77-89"), _("Perpol 5/2021 on the SIM")),
    product=_("SIM card"),
    module="licensing",
    module_url="licensing:booking",
)

ETLE = ServiceStandard(
    code="etle",
    name=_("Electronic traffic tickets (ETLE): confirmation and payment"),
    unit_kind="satlantas",
    prefix="ETLE",
    fee=0,
    fee_basis=_("Fines set by the court, up to the maximum of UU 22/2009"),
    time_limit=_("Confirm within 8 days of the notice"),
    legal_basis=(_("UU 22/2009, Pasal 272"), _("PP 80/2012 on road traffic inspection")),
    product=_("Confirmation and payment code (BRIVA)"),
    module="etle",
    module_url="etle:confirm-start",
)

SERVICES: dict[str, ServiceStandard] = {
    s.code: s for s in (SKCK, SKTLK, CRIME_REPORT, CROWD_PERMIT, COMPLAINT, SIM, ETLE)
}
# The services whose cases Sipmas itself holds (the others live in their modules).
CASE_SERVICES = tuple(code for code, s in SERVICES.items() if not s.module)
REQUEST_SERVICES = tuple(code for code in CASE_SERVICES if code != COMPLAINT.code)

# --- Complaints ------------------------------------------------------------------------------------

# Categories (SP4N-LAPOR! classes: aspiration, complaint, information request, whistleblowing).
# ``unit_kind`` is who handles it; ``sensitive`` ones go only to internal supervision (Siwas) or
# professional standards (Propam), are never shown to the unit complained about, and their reporter's
# identity is read only by the assigned handler.
COMPLAINT_CATEGORIES = {
    "pungli": {"label": _("Illegal levy (pungli)"), "unit_kind": "siwas", "sensitive": True},
    "misconduct": {"label": _("Officer misconduct"), "unit_kind": "propam", "sensitive": True},
    "service_quality": {"label": _("Quality of a service"), "unit_kind": "", "sensitive": False},
    "information": {"label": _("Request for information"), "unit_kind": "", "sensitive": False},
    "aspiration": {"label": _("Aspiration or suggestion"), "unit_kind": "", "sensitive": False},
}
SENSITIVE_CATEGORIES = frozenset(code for code, c in COMPLAINT_CATEGORIES.items() if c["sensitive"])
# If the sensitive handler is itself the unit complained about, the other one takes the case.
SENSITIVE_HANDLER_FALLBACK = {"siwas": "propam", "propam": "siwas"}

PRIVACY_MODES = {
    "named": _("Named: my name is known to the handling officer"),
    "rahasia": _("Confidential (rahasia): my name is known only to the handling officer; nothing is public"),
    "anonim": _("Anonymous (anonim): nobody, not even the officers, learns who I am"),
}

CHANNELS = {
    "web": _("Web form"),
    "counter": _("Counter"),
    "email": _("E-mail"),
    "open311": _("Open311 app"),
}

# --- SLA escalation ----------------------------------------------------------------------------------

# When a clock runs out the case goes to the head of the handling unit (level 1); if it is still late
# this many working days after its deadline, to the Polres leadership (level 2).
ESCALATION_LEVELS = {1: _("Head of the handling unit"), 2: _("Polres leadership")}
ESCALATE_TO_LEADERSHIP_AFTER_WORKING_DAYS = 2
# Shown as "due soon" this long before the deadline.
DUE_SOON_HOURS = 24

# --- Intake limits -----------------------------------------------------------------------------------

TITLE_MAX = 200
DESCRIPTION_MAX = 4000  # Open311 GeoReport v2's limit for description
MAX_ATTACHMENTS = 5
# Tracking lookups and secrets: wrong tries per address per 15 minutes (core.tracking.lookup_guard).
SECRET_LENGTH = 10  # Crockford characters, 50 bits
# Rate of public intake per address (complaints and requests), per hour.
INTAKE_PER_HOUR = 10

# --- After-service survey ----------------------------------------------------------------------------

# The invitation to the satisfaction survey (PermenPANRB 14/2017) is valid this long.
SURVEY_INVITATION_DAYS = 14

# --- Transparency -------------------------------------------------------------------------------------

# Aggregates over fewer cases than this are shown as "<5" (no one identifiable from small counts).
SMALL_COUNT_SUPPRESSION = 5


def service(code: str) -> ServiceStandard:
    return SERVICES[code]


def allowed_next(code: str, status: str) -> tuple[str, ...]:
    return SERVICES[code].transitions.get(status, ())


# --- Products (handling) ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Product:
    """A letter a step issues (``Step.product``): signed with the Polres's certificate through the
    document service, verifiable by its QR code, attached to the citizen's e-mail and downloadable with
    the case's secret. The letter's wording is Indonesian, as official letters are."""

    code: str
    kind: str  # documents.Document.kind
    title: str  # the letter's title as printed (and the document's public title: no names)
    number_prefix: str  # the letter number: <prefix>/<tracking number>/<n>/<roman month>/<year>
    signer: str  # the signing official's position, printed above the electronic signature
    legal_basis: tuple[str, ...]


PRODUCTS: dict[str, Product] = {
    p.code: p
    for p in (
        # Perkap 14/2018 on the SPKT: the SPKT receives reports of loss and issues the SKTLK.
        Product(
            code="sktlk_letter",
            kind="sktlk",
            title="SURAT KETERANGAN TANDA LAPOR KEHILANGAN",
            number_prefix="SKTLK",
            signer="KEPALA SIAGA SPKT",
            legal_basis=("Peraturan Kapolri Nomor 14 Tahun 2018 tentang SPKT",),
        ),
        # UU 2/2002 Pasal 15 ayat (2) huruf a; Juklap Kapolri No. Pol/02/XII/1995.
        Product(
            code="crowd_permit",
            kind="izin-keramaian",
            title="SURAT IZIN KERAMAIAN",
            number_prefix="SIK",
            signer="KEPALA SATUAN INTELIJEN KEAMANAN",
            legal_basis=(
                "Undang-Undang Nomor 2 Tahun 2002 tentang Kepolisian Negara Republik Indonesia, "
                "Pasal 15 ayat (2) huruf a",
                "Juklap Kapolri Nomor Pol/02/XII/1995 tentang perizinan dan pemberitahuan kegiatan "
                "masyarakat",
            ),
        ),
        # Perkap 14/2018 (SPKT) and Perkap 6/2019 on criminal investigation: the reporter's receipt.
        Product(
            code="sttlp",
            kind="sttlp",
            title="SURAT TANDA TERIMA LAPORAN POLISI",
            number_prefix="STTLP",
            signer="KEPALA SIAGA SPKT",
            legal_basis=(
                "Peraturan Kapolri Nomor 14 Tahun 2018 tentang SPKT",
                "Peraturan Kapolri Nomor 6 Tahun 2019 tentang Penyidikan Tindak Pidana",
            ),
        ),
        # Perkap 6/2019 on criminal investigation: the reporter receives progress letters (SP2HP).
        Product(
            code="sp2hp",
            kind="sp2hp",
            title="SURAT PEMBERITAHUAN PERKEMBANGAN HASIL PENYIDIKAN (SP2HP)",
            number_prefix="SP2HP",
            signer="KEPALA SATUAN RESERSE KRIMINAL",
            legal_basis=("Peraturan Kapolri Nomor 6 Tahun 2019 tentang Penyidikan Tindak Pidana",),
        ),
    )
}

# Staff lists (handling): cases per page.
STAFF_PAGE_SIZE = 50
# --- Complaints by e-mail ------------------------------------------------------------------------------

# A mail to the complaints mailbox becomes a named complaint; its category is guessed from these words
# (Indonesian and English, whole words, first match wins) and otherwise is the default: most mail to a
# complaints address is about a service, and Siwas verifies and routes every complaint anyway.
MAIL_CATEGORY_KEYWORDS = {
    "pungli": ("pungli", "pungutan liar", "uang pelicin", "suap", "sogok", "calo", "bribe", "illegal levy"),
    "misconduct": ("kasar", "ancam", "mengancam", "pukul", "memukul", "kekerasan", "propam", "misconduct"),
    "information": ("informasi", "bagaimana cara", "persyaratan", "information"),
    "aspiration": ("saran", "usul", "usulan", "aspirasi", "suggestion"),
}
MAIL_DEFAULT_CATEGORY = "service_quality"
# Messages per sweep (the rest wait for the next one) and the largest message read at all.
MAIL_PER_SWEEP = 50
MAIL_MAX_BYTES = 25 * 1024 * 1024
# --- Open311 GeoReport v2 and open data ----------------------------------------------------------------

# GeoReport v2 (wiki.open311.org/GeoReport_v2): GET requests covers at most 90 days, and the last 90
# days when no dates are given.
OPEN311_WINDOW_DAYS = 90
# A page of GET requests (``page_size``, as common implementations name it) and the deepest page.
OPEN311_PAGE_SIZE = 100
OPEN311_PAGE_SIZE_MAX = 500
OPEN311_MAX_OFFSET = 10_000
# At most this many ids in one ``service_request_id`` list.
OPEN311_MAX_IDS = 50
# Public reads (services, requests, tokens) per address per minute; POSTs count against the API
# client's own limit (core.rules.API_DEFAULT_RATE_PER_MINUTE).
OPEN311_READS_PER_MINUTE = 120
# Open data: the months published (the current one included), and how long computed figures are kept.
OPEN_DATA_MONTHS = 12
OPEN_DATA_CACHE_SECONDS = 600

"""Organisation and access policy as data.

Which roles exist, which need a second factor, and which unit kinds sit where in the tree. A change of
policy is a change here, not in code.
"""

from django.utils.translation import gettext_lazy as _

# Unit kinds, from the top of a Polda's tree down to the functional units of a Polres
# (Perkap 23/2010 on the organisation of Polres and Polsek).
UNIT_KINDS = {
    "polda": _("Polda (regional police)"),
    "polres": _("Polres (police resort)"),
    "polsek": _("Polsek (police sector)"),
    "leadership": _("Leadership (Kapolres / Wakapolres)"),
    "satlantas": _("Satlantas (traffic unit)"),
    "spkt": _("SPKT (integrated service centre)"),
    "intelkam": _("Sat Intelkam (intelligence and security)"),
    "reskrim": _("Satreskrim (criminal investigation)"),
    "ppa": _("Unit PPA (women and children)"),
    "satpas": _("Satpas (driver licensing)"),
    "siwas": _("Siwas (internal supervision)"),
    "propam": _("Propam (professional standards)"),
}
# The kinds that may hold each kind of unit as a child.
UNIT_CHILD_KINDS = {
    "polda": {"polres", "siwas", "propam", "leadership"},
    "polres": {
        "polsek",
        "leadership",
        "satlantas",
        "spkt",
        "intelkam",
        "reskrim",
        "siwas",
        "propam",
        "satpas",
    },
    "reskrim": {"ppa"},
    "satlantas": {"satpas"},
    "polsek": set(),
}

AGENCY_KINDS = {
    "kejari": _("Kejaksaan Negeri (district prosecutor)"),
    "pn": _("Pengadilan Negeri (district court)"),
    "bapas": _("Bapas (correctional centre)"),
    "dpppa": _("Dinas PPPA / UPTD PPA (women's and children's protection)"),
    "dinsos": _("Dinas Sosial (social affairs)"),
    "pemda": _("Pemda / Bappeda (regional government)"),
    "rutan": _("Rutan (detention centre)"),
    "bank": _("Bank (payments)"),
}

ROLES = {
    "officer": _("Officer"),
    "investigator": _("Investigator"),
    "supervisor": _("Supervisor"),
    "counter_clerk": _("Counter clerk"),
    "oversight": _("Oversight"),
    "leadership": _("Leadership"),
    "agency_user": _("Partner agency user"),
    "administrator": _("Administrator"),
}
# Roles that open secrets, decide cases or administer people require a TOTP second factor
# (DESIGN: "Sensitive modules (children, justice) require a second factor").
SENSITIVE_ROLES = frozenset({"investigator", "oversight", "leadership", "administrator"})
# Roles that are held in a partner agency rather than a police unit.
AGENCY_ROLES = frozenset({"agency_user"})
# Roles that read everything in their subtree except secrets.
READ_ALL_ROLES = frozenset({"oversight", "leadership"})

# Machine clients: each API key carries scopes from this list.
API_SCOPES = {
    "etle:events": _("Post camera events"),
    "etle:payments": _("Report ETLE payments (bank)"),
    "etle:blocks": _("Read STNK blocks (Samsat)"),
    "licensing:payments": _("Report SIM fee payments (bank)"),
    "services:open311": _("File service requests through Open311"),
    "justice:exchange": _("Exchange case files (prosecutor, court)"),
    "core:read": _("Read the organisation directory"),
}
API_DEFAULT_RATE_PER_MINUTE = 600
# When a key is rotated the old key keeps working this long, so a client can switch without downtime.
API_KEY_ROTATION_GRACE_HOURS = 24

# --- The working-day calendar (SLA clocks that count working days or office hours) ---------------
# Public holidays come from the `holidays` package (Indonesia), which follows the yearly SKB of the
# Ministers of Religious Affairs, Manpower and PANRB. Collective leave (cuti bersama) is set by the same
# SKB and is not in that package: it is listed here, a year at a time, when the SKB is published.
CUTI_BERSAMA = {
    # SKB Menteri Agama, Menteri Ketenagakerjaan dan Menteri PANRB No. 1497/2025, 2/2025, 5/2025
    # (19 September 2025) on public holidays and collective leave in 2026.
    2026: {
        "2026-02-16": "Cuti bersama Tahun Baru Imlek",
        "2026-03-18": "Cuti bersama Hari Suci Nyepi",
        "2026-03-20": "Cuti bersama Idul Fitri",
        "2026-03-23": "Cuti bersama Idul Fitri",
        "2026-03-24": "Cuti bersama Idul Fitri",
        "2026-05-15": "Cuti bersama Kenaikan Yesus Kristus",
        "2026-05-28": "Cuti bersama Idul Adha",
        "2026-12-24": "Cuti bersama Kelahiran Yesus Kristus",
    },
}
# Working days are Monday to Friday (Perpres 21/2023 on working days and hours of state employees:
# five working days, 37.5 hours a week).
WORKING_WEEKDAYS = frozenset({0, 1, 2, 3, 4})
# Office hours for clocks counted in working hours, in local time (WIB). Service halls publish their
# own hours in their service standards; this is the default for units that publish none.
OFFICE_OPENS = "08:00"
OFFICE_CLOSES = "16:00"

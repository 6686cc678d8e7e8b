"""The SIM service at the Satpas as data: classes, fees, ages, stages, the queue's fairness rules.

A changed regulation or service standard is a change here. Sources: ../docs/licensing.md and the
domain notes (PP 76/2020 for the PNBP fees, Perpol 5/2021 for the ages, UU 25/2009 for priority).
"""

from __future__ import annotations

from datetime import time, timedelta

from django.utils.translation import gettext_lazy as _

# --- Services -----------------------------------------------------------------------------------

# SIM classes (Perpol 5/2021 art. 3): the code stored, the name printed.
SIM_CLASSES = {
    "A": "A",
    "B1": "B I",
    "B2": "B II",
    "C": "C",
    "C1": "C I",
    "C2": "C II",
    "D": "D",
    "D1": "D I",
    "INT": _("International"),
}

SERVICE_KINDS = {
    "new": _("New SIM"),
    "renewal": _("Renewal"),
    "upgrade": _("Upgrade to another class"),
}

# PNBP fees in rupiah (PP No. 76 Tahun 2020, annex: "Penerbitan SIM" baru / perpanjangan). An upgrade
# (peningkatan golongan) is the issue of a new SIM of the higher class, so it pays the new-SIM fee.
FEES = {
    "A": {"new": 120_000, "renewal": 80_000},
    "B1": {"new": 120_000, "renewal": 80_000},
    "B2": {"new": 120_000, "renewal": 80_000},
    "C": {"new": 100_000, "renewal": 75_000},
    "C1": {"new": 100_000, "renewal": 75_000},
    "C2": {"new": 100_000, "renewal": 75_000},
    "D": {"new": 50_000, "renewal": 30_000},
    "D1": {"new": 50_000, "renewal": 30_000},
    "INT": {"new": 250_000, "renewal": 225_000},
}
FEE_CITATION = "PP No. 76 Tahun 2020 (PNBP Polri), lampiran"

# Minimum ages in years (Perpol No. 5 Tahun 2021 art. 8). The international SIM follows the national
# one it is issued for, so it has no age of its own here.
MIN_AGE = {"A": 17, "C": 17, "D": 17, "D1": 17, "C1": 18, "C2": 19, "B1": 20, "B2": 21}
AGE_CITATION = "Perpol No. 5 Tahun 2021 pasal 8"


def fee(service: str, sim_class: str) -> int:
    """The PNBP fee for a service of a class; an upgrade pays the new-SIM fee of its class."""
    return FEES[sim_class]["renewal" if service == "renewal" else "new"]


# --- Stages -------------------------------------------------------------------------------------

# The service flow at a Satpas, in order (domain/sim-queue.md).
STAGES = {
    "registration": _("Registration"),
    "documents": _("Document and health/psychology certificate check"),
    "theory": _("Theory test"),
    "practical": _("Practical test"),
    "payment": _("Fee payment"),
    "biometrics": _("Photo, signature and fingerprints"),
    "printing": _("Printing"),
    "handover": _("Handover"),
}
STAGE_ORDER = list(STAGES)
# Renewals (perpanjangan) take no tests; new SIMs and upgrades take both.
SKIPPED_STAGES = {"renewal": {"theory", "practical"}}
# Stages whose outcome can be a failure that ends the visit (a failed test: the applicant retests on a
# later day, Perpol 5/2021 art. 44).
TEST_STAGES = {"theory", "practical"}
# The payment stage is finished by the bank's callback, never by a clerk (no cash exists anywhere).
PAYMENT_STAGE = "payment"


def stages_for(service: str) -> list[str]:
    skipped = SKIPPED_STAGES.get(service, set())
    return [stage for stage in STAGE_ORDER if stage not in skipped]


def next_stage(service: str, stage: str) -> str | None:
    stages = stages_for(service)
    position = stages.index(stage)
    return stages[position + 1] if position + 1 < len(stages) else None


# --- Tickets and the line -----------------------------------------------------------------------

# The letter before a ticket's number tells the hall which service it is for ("A-012").
TICKET_PREFIX = {"new": "A", "renewal": "B", "upgrade": "C"}

# The priority lane (UU No. 25 Tahun 2009 pasal 29: special treatment for vulnerable groups).
PRIORITY_REASONS = {
    "elderly": _("Elderly (60 or older)"),
    "disabled": _("Person with a disability"),
    "pregnant": _("Pregnant"),
}
# Anti-starvation: after this many consecutive priority calls at a stage the regular line is served
# (the NovoSGA practice, domain/sim-queue.md).
PRIORITY_STREAK_LIMIT = 3

# A called applicant who does not come is recalled this many times, then goes to the back of the line
# once, then the ticket expires.
RECALL_LIMIT = 3
SEND_TO_BACK_LIMIT = 1

# "Tell me when I am this many places away."
NEAR_PLACES = 5

# --- Online pre-registration --------------------------------------------------------------------

# Hours the Satpas serves pre-registered applicants, one slot an hour, and how many per slot.
SLOT_STARTS = [time(hour) for hour in range(8, 15)]
SLOT_MINUTES = 60
SLOT_QUOTA = 20
BOOKING_DAYS_AHEAD = 14
# A booked applicant may check in this long before the slot and until this long after it ends.
CHECKIN_EARLY_MINUTES = 60
CHECKIN_LATE_MINUTES = 60

# --- Service standard and integrity signals ----------------------------------------------------

# The Satpas service standard (maklumat pelayanan): the longest acceptable wait at one stage, and for
# the whole visit from ticket to handover.
SLA_STAGE_WAIT_MINUTES = 30
SLA_VISIT_MINUTES = 180

# One phone number or e-mail address used by this many applicants in the window is a broker's sign.
SHARED_CONTACT_THRESHOLD = 3
SHARED_CONTACT_WINDOW_DAYS = 30
# A stage served faster than this (seconds) is abnormally short: a test nobody took, a check not made.
SHORT_SERVICE_SECONDS = {
    "registration": 60,
    "documents": 60,
    "theory": 600,
    "practical": 300,
    "biometrics": 60,
    "printing": 30,
    "handover": 15,
}
# More tickets than this for one NIK in the window is a signal (a re-issued ticket jumps the line).
REISSUE_THRESHOLD = 1
REISSUE_WINDOW_DAYS = 7

# --- Payment ------------------------------------------------------------------------------------

# The fee is paid into a 15-digit virtual account that begins with the bank's institution code for
# the Satpas (configurable: LICENSING_VA_PREFIX), or by QRIS against the same number.
VA_LENGTH = 15


def va_prefix() -> str:
    from django.conf import settings

    prefix = str(getattr(settings, "LICENSING_VA_PREFIX", "88820"))
    if not (prefix.isdigit() and 3 <= len(prefix) <= 8):
        raise ValueError("LICENSING_VA_PREFIX must be 3 to 8 digits")
    return prefix


# --- The bank's payment notification (policy) ----------------------------------------------------
# Signed like ETLE's (bersih.core.bank): HMAC-SHA256 over ``timestamp + "." + body`` with the secret
# shared with the bank (LICENSING_BANK_SECRET); a timestamp further than this from our clock is refused,
# so a captured request cannot be replayed later.
BANK_TIMESTAMP_SKEW = timedelta(minutes=5)
# A notification is a few hundred bytes; anything much larger is not the bank's.
MAX_CALLBACK_BYTES = 16 * 1024
# Non-cash only: a transfer into the virtual account, or QRIS against the same number.
PAYMENT_CHANNELS = {"va": _("Virtual account"), "qris": _("QRIS")}
# --- The display board and the applicant's phone page -----------------------------------------

# How long one applicant usually takes at a counter of a stage, in minutes: the phone page's estimated
# wait uses it until the day has finished entries of the stage to measure (the Satpas's own planning
# figures; the tests are the long stages). The payment stage has no counter: the bank settles it.
EXPECTED_SERVICE_MINUTES = {
    "registration": 4,
    "documents": 5,
    "theory": 25,
    "practical": 15,
    "biometrics": 4,
    "printing": 3,
    "handover": 2,
}
# The estimate takes the median service time of this many of the stage's latest finished entries today.
ESTIMATE_SAMPLE = 20

"""The integrity zone's policy as data: which LKE version new assessments use, the review chain, and
the citizen surveys' operating rules. The LKE itself (weights, questions, thresholds) and the survey
instruments are data files in ``data/`` with their regulation and version."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

# New assessments use this LKE (data/lke-permenpanrb-90-2021.yaml); an assessment keeps its own.
CURRENT_LKE_VERSION = "90-2021.1"

PREDICATES = {
    "wbk": _("WBK (Wilayah Bebas dari Korupsi)"),
    "wbbm": _("WBBM (Wilayah Birokrasi Bersih dan Melayani)"),
}

# The review chain seen in practice (PermenPANRB 90/2021): the unit's self-assessment, the internal
# assessment team's (TPI) review, the follow-up of its findings, and the final answers proposed.
# Each round keeps its own answers and score.
ROUNDS = {
    "self": _("Self-assessment"),
    "tpi": _("Internal assessment team (TPI) review"),
    "follow_up": _("Follow-up"),
    "final": _("Final"),
}
ROUND_ORDER = tuple(ROUNDS)

# The surveys (PermenPANRB 14/2017 for the SKM; IPAK and IPKP for the LKE's hasil component).
INSTRUMENTS = {
    "skm": _("Satisfaction (SKM)"),
    "ipak": _("Anti-corruption perception (IPAK)"),
    "ipkp": _("Service-quality perception (IPKP)"),
}
SURVEY_CHANNELS = {
    "invitation": _("Invitation after a service"),
    "walk_in": _("Public link or QR at the service hall"),
}
# The public walk-in link: answers per address per hour, and the smallest time a real person takes.
WALK_IN_PER_HOUR = 5
MIN_SECONDS_TO_ANSWER = 20
SUGGESTION_MAX = 1000

# Who answers in each round (roles held in the assessed unit's tree): the unit's officers and heads
# coordinate the areas in the self-assessment and the follow-up; the oversight roles form the TPI;
# the heads and leadership settle the final answers.
ROUND_ROLES = {
    "self": ("officer", "supervisor"),
    "tpi": ("oversight",),
    "follow_up": ("officer", "supervisor"),
    "final": ("supervisor", "leadership"),
}

# --- Live indicators offered as answers ---------------------------------------------------------------
# How a figure from the system becomes an LKE answer letter: the first band whose minimum the figure
# reaches. These bands are the unit's policy for reading its own data (the LKE itself names no
# numbers for these questions); the coordinator may override an offered answer with a reason.
SHARE_BANDS = ((0.90, "A"), (0.75, "B"), (0.50, "C"), (0.25, "D"), (0.0, "E"))
# Innovations in use (ETLE, the FIFO SIM queue, Sipmas, paperless case files): how many, to a letter.
COUNT_BANDS = ((4, "A"), (3, "B"), (2, "C"), (1, "D"), (0, "E"))
# Complaint intake channels actually used in the period (web, counter, e-mail, Open311 apps).
CHANNEL_BANDS = ((4, "A"), (3, "B"), (2, "C"), (1, "D"), (0, "E"))
# A signed ledger checkpoint younger than this shows the chain is being kept.
CHECKPOINT_FRESH_DAYS = 7

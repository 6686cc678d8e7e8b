"""Outbox policy as data: retry schedule, leases, SMS length limits, post batches, return reasons.

A change of policy is a change here, not in code.
"""

from datetime import timedelta

from django.utils.translation import gettext_lazy as _

CHANNELS = {
    "email": _("Email"),
    "sms": _("SMS"),
    "whatsapp": _("WhatsApp"),
    "post": _("Post"),
}
# When a person's preferred channel is not available for them, the next available one in this order
# carries the message. Post is never chosen automatically: a module that needs a letter asks for it.
CHANNEL_FALLBACK = ("whatsapp", "sms", "email")

STATUSES = {
    "queued": _("Queued"),
    "sending": _("Sending"),
    "sent": _("Sent"),
    "delivered": _("Delivered"),
    "read": _("Read"),
    "dead": _("Dead-lettered"),
}

# Retries: exponential backoff with jitter. Attempt n (1-based) that fails temporarily waits
# min(RETRY_MAX_DELAY, RETRY_BASE_DELAY * 2**(n-1)) scaled by a random factor in [1 - RETRY_JITTER, 1],
# so that many messages failing together do not come back together.
RETRY_BASE_DELAY = timedelta(seconds=30)
RETRY_MAX_DELAY = timedelta(hours=2)
RETRY_JITTER = 0.5
# After this many attempts a message is dead-lettered and waits for a person on the outbox page.
MAX_ATTEMPTS = 6

# A worker that claims a message holds it this long. If it dies between sending and recording the
# result, the claim expires and the message is delivered again (at least once; providers that accept
# an idempotency key drop the duplicate).
CLAIM_LEASE = timedelta(minutes=5)
# Provider HTTP calls never wait longer than this.
PROVIDER_TIMEOUT_SECONDS = 15.0

# HTTP statuses that are worth retrying; any other 4xx is the request's own fault and will not improve.
RETRYABLE_HTTP_STATUSES = frozenset({408, 425, 429})

# SMS: GSM 03.38 7-bit messages carry 160 characters in one segment, 153 per segment when
# concatenated; UCS-2 messages (any character outside GSM-7) carry 70, or 67 per segment.
SMS_GSM7_SINGLE = 160
SMS_GSM7_MULTI = 153
SMS_UCS2_SINGLE = 70
SMS_UCS2_MULTI = 67
# Longer texts are refused when queued: they cost several SMS and are split badly by some handsets.
SMS_MAX_SEGMENTS = 3

# Post: the day's letters become one batch once the post room's cut-off time has passed (WIB).
POST_BATCH_CUTOFF_HOUR = 14
# Why a letter came back (the reasons Pos Indonesia writes on a returned letter).
RETURN_REASONS = {
    "alamat_tidak_ditemukan": _("Address not found (alamat tidak ditemukan)"),
    "penerima_pindah": _("Addressee moved (penerima pindah)"),
    "penerima_tidak_dikenal": _("Addressee unknown (tidak dikenal)"),
    "ditolak": _("Refused by the addressee (ditolak)"),
    "penerima_meninggal": _("Addressee deceased (meninggal dunia)"),
    "alamat_tidak_lengkap": _("Incomplete address (alamat tidak lengkap)"),
    "tidak_diambil": _("Not collected (tidak diambil)"),
}

# Attachments above this size are refused when a message is queued (email providers refuse ~25 MB).
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024

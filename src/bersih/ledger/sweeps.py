"""The ledger's scheduled work: a signed checkpoint of the head once a day (when the head has moved)."""

from __future__ import annotations

from datetime import timedelta

from bersih.core.schedule import register_sweep

from . import keys
from .models import Checkpoint, Entry
from .services import SYSTEM, checkpoint_create

CHECKPOINT_INTERVAL = timedelta(days=1)


CHECKPOINT_ACTION = "ledger.checkpoint.created"


def daily_checkpoint(now) -> str:
    """Idempotent: when nothing but the last checkpoint's own entry came after it, nothing is signed."""
    if not Entry.objects.exists():
        return "ledger empty"
    last = Checkpoint.objects.order_by("-seq").values_list("seq", flat=True).first()
    if last is not None and not Entry.objects.filter(seq__gt=last).exclude(action=CHECKPOINT_ACTION).exists():
        return f"nothing new since the checkpoint of #{last}"
    try:
        checkpoint = checkpoint_create(actor=SYSTEM)
    except keys.KeyMissing as exc:
        return f"no checkpoint: {exc}"
    return f"checkpoint of #{checkpoint.seq}"


register_sweep("ledger.checkpoint", CHECKPOINT_INTERVAL, daily_checkpoint)

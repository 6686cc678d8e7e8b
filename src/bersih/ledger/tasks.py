"""Scheduled ledger work: a thin task over :func:`bersih.ledger.services.checkpoint_create`."""

from __future__ import annotations

from django_tasks import task

from .services import SYSTEM, checkpoint_create


@task()
def create_checkpoint() -> int:
    """Sign the current head (run daily by the scheduler); returns the checkpointed sequence number."""
    return checkpoint_create(actor=SYSTEM).seq

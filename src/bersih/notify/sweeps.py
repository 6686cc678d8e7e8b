"""The outbox's periodic work, run by ``bersih worker`` (see ``bersih.core.schedule``)."""

from datetime import timedelta

from bersih.core.schedule import register_sweep

from . import services

# The safety net behind the per-message tasks: due retries, lost enqueues, claims of dead workers.
register_sweep("notify.deliver_due", timedelta(minutes=1), services.messages_deliver_due)
# The day's post batch once the post room's cut-off has passed; later runs that day change nothing.
register_sweep("notify.post_batches", timedelta(minutes=15), services.post_batches_due)

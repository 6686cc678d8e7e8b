"""Background tasks of ETLE: thin wrappers over services."""

from django_tasks import task

from . import services


@task()
def send_notice(violation_id: int) -> str:
    """Send the confirmation letter of an approved case (queued when the approval commits)."""
    return services.notice_send_pending(violation_id)

"""Background tasks of the outbox: thin wrappers over services."""

from django_tasks import task

from . import services


@task()
def deliver_message(message_id: int) -> str:
    return services.message_deliver(message_id=message_id)

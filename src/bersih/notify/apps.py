from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotifyConfig(AppConfig):
    name = "bersih.notify"
    label = "notify"
    verbose_name = _("Notification outbox")

    def ready(self) -> None:
        from bersih.core.navigation import NavEntry, register

        register(
            NavEntry(
                key="notify.outbox",
                label=_("Outbox"),
                url_name="notify:outbox",
                permission="notify.view_message",
                description=_("Messages to citizens and partners, dead letters, the post room"),
                order=900,
            )
        )

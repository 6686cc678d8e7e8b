from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LicensingConfig(AppConfig):
    name = "bersih.licensing"
    label = "licensing"
    verbose_name = _("SIM service queue")

    def ready(self):
        from bersih.core.navigation import NavEntry, register
        from bersih.core.tracking import register_prefix

        from .services import TRACKING_PREFIX

        register_prefix(
            TRACKING_PREFIX, "bersih.licensing.timeline.ApplicationTimeline", _("SIM applications")
        )

        # Statistics and integrity signals
        register(
            NavEntry(
                key="licensing-statistics",
                label=_("SIM statistics"),
                url_name="licensing:statistics",
                permission="licensing.view_statistics",
                description=_("Waiting and service times at the Satpas, against the service standard"),
                order=30,
            )
        )
        register(
            NavEntry(
                key="licensing-integrity",
                label=_("SIM integrity signals"),
                url_name="licensing:integrity",
                permission="licensing.view_statistics",
                description=_("Out-of-order serves, shared contacts, short services, re-issued tickets"),
                order=31,
            )
        )

        # Getting a ticket: the hall's kiosk and the priority lane
        register(
            NavEntry(
                key="licensing-kiosk",
                label=_("SIM queue kiosk"),
                url_name="licensing:kiosk-home",
                permission="licensing.add_ticket",
                description=_("Walk-in tickets and check-in of online bookings, on the hall's kiosk"),
                order=32,
            )
        )
        register(
            NavEntry(
                key="licensing-priority",
                label=_("SIM priority lane"),
                url_name="licensing:priority-home",
                permission="licensing.mark_priority",
                description=_("Move an elderly, disabled or pregnant applicant into the priority lane"),
                order=33,
            )
        )

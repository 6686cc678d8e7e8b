from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LicensingConfig(AppConfig):
    name = "bersih.licensing"
    label = "licensing"
    verbose_name = _("SIM service queue")

    def ready(self):
        from bersih.core.navigation import NavEntry, register
        from bersih.core.tracking import register_prefix

        from . import checks  # noqa: F401 - checks register themselves
        from .services import TRACKING_PREFIX

        register_prefix(
            TRACKING_PREFIX, "bersih.licensing.timeline.ApplicationTimeline", _("SIM applications")
        )

        register(
            NavEntry(
                key="licensing-statistics",
                label=_("SIM statistics"),
                url_name="licensing:statistics",
                permission="licensing.view_statistics",
                description=_("Waiting and service times at the Satpas, against the service standard"),
                order=33,
            )
        )
        register(
            NavEntry(
                key="licensing-integrity",
                label=_("SIM integrity signals"),
                url_name="licensing:integrity",
                permission="licensing.view_statistics",
                description=_("Out-of-order serves, shared contacts, short services, re-issued tickets"),
                order=34,
            )
        )
        register(
            NavEntry(
                key="licensing-counter",
                label=_("My counter"),
                url_name="licensing:counter",
                permission="licensing.serve_counter",
                description=_("Call the next applicant, recall, finish, send back or transfer"),
                order=30,
            )
        )
        register(
            NavEntry(
                key="licensing-shifts",
                label=_("Counter shifts"),
                url_name="licensing:shifts",
                permission="licensing.staff_counter",
                description=_("Put clerks on the Satpas's counters for today or a later day"),
                order=31,
            )
        )
        register(
            NavEntry(
                key="licensing-lines",
                label=_("Today's lines"),
                url_name="licensing:lines",
                permission="licensing.override_counter",
                description=_("Each stage's line in order; serve out of order with a written reason"),
                order=32,
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
                order=28,
            )
        )
        register(
            NavEntry(
                key="licensing-priority",
                label=_("SIM priority lane"),
                url_name="licensing:priority-home",
                permission="licensing.mark_priority",
                description=_("Move an elderly, disabled or pregnant applicant into the priority lane"),
                order=29,
            )
        )

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServicesConfig(AppConfig):
    name = "bersih.services"
    label = "services"
    verbose_name = _("Sipmas — public services and complaints")

    def ready(self):
        from bersih.core.tracking import register_prefix

        from . import rules

        for code in rules.CASE_SERVICES:
            standard = rules.SERVICES[code]
            register_prefix(standard.prefix, "bersih.services.timeline.CaseTimeline", standard.name)

        from bersih.core.navigation import NavEntry, register

        # Leadership monitoring (its area's nav entry).
        register(
            NavEntry(
                key="services-monitor",
                label=_("Service monitoring"),
                url_name="services:monitor",
                permission="services.monitor_services",
                description=_(
                    "Every service's volume, backlog, SLA compliance and breached items in one view"
                ),
                order=5,
            )
        )
        # Catalogue and intake: requests taken at the responsible unit's counter.
        register(
            NavEntry(
                key="services-counter-intake",
                label=_("Counter intake"),
                url_name="services:counter-home",
                permission="services.counter_intake",
                description=_(
                    "Take a citizen's SKCK, SKTLK, crime report or crowd permit request at the counter"
                ),
                order=40,
            )
        )
        # Handling: the staff case list and the due-soon and late list.
        register(
            NavEntry(
                key="services-cases",
                label=_("Service cases"),
                url_name="services:cases",
                permission="services.view_case",
                description=_("Requests and complaints of your units: steps, notes, assignment, products"),
                order=30,
            )
        )
        register(
            NavEntry(
                key="services-late",
                label=_("Late services"),
                url_name="services:late",
                permission="services.view_case",
                description=_("Cases due soon and past their deadline, with who owns them"),
                order=31,
            )
        )

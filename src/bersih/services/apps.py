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

        # Catalogue and intake: requests taken at the responsible unit's counter.
        from bersih.core.navigation import NavEntry, register

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

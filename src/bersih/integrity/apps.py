from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrityConfig(AppConfig):
    name = "bersih.integrity"
    label = "integrity"
    verbose_name = _("Integrity zone (WBK/WBBM)")

    def ready(self):
        from bersih.core.navigation import NavEntry, register

        register(
            NavEntry(
                key="integrity-assessments",
                label=_("Integrity zone assessment"),
                url_name="integrity:assessments",
                permission="integrity.view_assessment",
                description=_("The LKE against WBK and WBBM: scores, failed conditions, gaps"),
                order=60,
            )
        )
        register(
            NavEntry(
                key="integrity-surveys",
                label=_("Citizen surveys"),
                url_name="integrity:surveys",
                permission="integrity.view_surveys",
                description=_("Satisfaction (IKM) and perception indices per service, with suggestions"),
                order=61,
            )
        )
        register(
            NavEntry(
                key="integrity-signals",
                label=_("Integrity signals"),
                url_name="integrity:signals",
                permission="integrity.view_signals",
                description=_(
                    "Queue overrides, brokers' signs, ETLE rejections, pungli reports, late services"
                ),
                order=62,
            )
        )

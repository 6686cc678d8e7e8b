from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EtleConfig(AppConfig):
    name = "bersih.etle"
    label = "etle"
    verbose_name = _("ETLE — electronic traffic law enforcement")

    def ready(self):
        from bersih.core.navigation import NavEntry, register
        from bersih.core.tracking import register_prefix

        from . import rules

        register_prefix(
            rules.TRACKING_PREFIX, "bersih.etle.timeline.EtleTimeline", _("Electronic traffic tickets")
        )
        register(
            NavEntry(
                key="etle-review",
                label=_("Review violations"),
                url_name="etle:review-queue",
                permission="etle.review_violation",
                description=_("Camera violations waiting for an investigator's decision"),
                order=12,
            )
        )
        register(
            NavEntry(
                key="etle-oversight",
                label=_("ETLE decisions"),
                url_name="etle:review-oversight",
                permission="etle.oversee_violation",
                description=_("Approvals and rejections of camera violations per officer"),
                order=13,
            )
        )
        register(
            NavEntry(
                key="etle-disputes",
                label=_("ETLE disputes"),
                url_name="etle:dispute-queue",
                permission="etle.review_dispute",
                description=_("Owners' disputes of camera violations: sold or not their vehicle"),
                order=14,
            )
        )

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EtleConfig(AppConfig):
    name = "bersih.etle"
    label = "etle"
    verbose_name = _("ETLE — electronic traffic law enforcement")

    def ready(self):
        from bersih.core.navigation import NavEntry, register
        from bersih.core.tracking import register_prefix
        from bersih.notify.services import register_return_handler

        from . import checks, rules  # noqa: F401 - checks register themselves
        from .services.letters import NOTICE_TEMPLATE, letter_returned

        register_return_handler(NOTICE_TEMPLATE, letter_returned)

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
                key="etle-wrong-address",
                label=_("Returned letters"),
                url_name="etle:wrong-address",
                permission="etle.letter_violation",
                description=_("Confirmation letters that came back: correct the address and resend"),
                order=14,
            )
        )
        register(
            NavEntry(
                key="etle-payments",
                label=_("ETLE payments"),
                url_name="etle:payments",
                permission="etle.view_payment",
                description=_("Virtual accounts, refunds and reconciliation with the bank"),
                order=15,
            )
        )
        register(
            NavEntry(
                key="etle-disputes",
                label=_("ETLE disputes"),
                url_name="etle:dispute-queue",
                permission="etle.review_dispute",
                description=_("Owners' disputes of camera violations: sold or not their vehicle"),
                order=16,
            )
        )
        register(
            NavEntry(
                key="etle-dashboard",
                label=_("ETLE dashboard"),
                url_name="etle:dashboard",
                permission="etle.oversee_violation",
                description=_("From camera to payment: the funnel, cameras, hours, backlog and officers"),
                order=15,
            )
        )
        register(
            NavEntry(
                key="etle-blocks",
                label=_("STNK blocking"),
                url_name="etle:blocks",
                permission="etle.view_stnkblock",
                description=_("Blocked registrations: lift a wrong block, download the records for Samsat"),
                order=16,
            )
        )

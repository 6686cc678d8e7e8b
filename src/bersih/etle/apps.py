from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EtleConfig(AppConfig):
    name = "bersih.etle"
    label = "etle"
    verbose_name = _("ETLE — electronic traffic law enforcement")

    def ready(self):
        from bersih.core.tracking import register_prefix

        from . import rules

        register_prefix(
            rules.TRACKING_PREFIX, "bersih.etle.timeline.EtleTimeline", _("Electronic traffic tickets")
        )

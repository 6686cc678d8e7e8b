from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LicensingConfig(AppConfig):
    name = "bersih.licensing"
    label = "licensing"
    verbose_name = _("SIM service queue")

    def ready(self):
        from bersih.core.tracking import register_prefix

        from . import checks  # noqa: F401 - checks register themselves
        from .services import TRACKING_PREFIX

        register_prefix(
            TRACKING_PREFIX, "bersih.licensing.timeline.ApplicationTimeline", _("SIM applications")
        )

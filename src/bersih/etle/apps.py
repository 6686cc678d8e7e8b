from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EtleConfig(AppConfig):
    name = "bersih.etle"
    label = "etle"
    verbose_name = _("ETLE — electronic traffic law enforcement")

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DevelopmentConfig(AppConfig):
    name = "bersih.development"
    label = "development"
    verbose_name = _("Development task force")

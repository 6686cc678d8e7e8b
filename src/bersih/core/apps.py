from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "bersih.core"
    label = "core"
    verbose_name = _("Organisation, people and the platform shell")

    def ready(self) -> None:
        # Each app declares its object permissions in permissions.py (rules predicates). rules.py is
        # the law-as-data module of an app and is not a permissions module.
        autodiscover_modules("permissions")
        # Connect the sign-in signal receivers (they hand each event to core.services).
        from . import auth  # noqa: F401
        from .navigation import NavEntry, register

        # Administrators manage the machine clients of their units (core.views, "API clients").
        register(
            NavEntry(
                key="core.api-clients",
                label=_("API clients"),
                url_name="core:apiclient-list",
                permission="core.view_apiclient",
                description=_("Machine clients, their scopes and keys"),
                order=950,
            )
        )

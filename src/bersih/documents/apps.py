from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "bersih.documents"
    label = "documents"
    verbose_name = _("Documents and signatures")

    def ready(self):
        from bersih.core.navigation import NavEntry, register
        from bersih.core.tracking import register_prefix

        from . import rules

        register_prefix(
            rules.CODE_PREFIX, "bersih.documents.timeline.DocumentTimeline", _("Signed documents")
        )
        register(
            NavEntry(
                key="documents",
                label=_("Documents"),
                url_name="documents:list",
                permission="documents.view_document",
                description=_("Signed letters issued and documents received"),
                order=80,
            )
        )

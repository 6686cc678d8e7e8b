from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    name = "bersih.ledger"
    label = "ledger"
    verbose_name = _("Tamper-evident ledger")

    def ready(self) -> None:
        from django.contrib.auth import signals as auth

        from . import signals

        auth.user_logged_in.connect(signals.on_logged_in, dispatch_uid="ledger-signed-in")
        auth.user_logged_out.connect(signals.on_logged_out, dispatch_uid="ledger-signed-out")
        auth.user_login_failed.connect(signals.on_login_failed, dispatch_uid="ledger-sign-in-failed")

"""Support for the shell's tests: compiled catalogues, so pages can be checked in Indonesian."""

from __future__ import annotations

from django.conf import settings
from django.core.management import call_command
from django.test import override_settings


def compiled_catalogues():
    """Compile the .po files and make Django read them afresh (a generator for a pytest fixture).

    Overriding LOCALE_PATHS, even with its own value, makes Django drop its cached catalogues.
    """
    call_command("compile_translations", verbosity=0)
    with override_settings(LOCALE_PATHS=list(settings.LOCALE_PATHS)):
        yield

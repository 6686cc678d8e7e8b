"""The ``bersih`` command: Django's management commands plus Bersih's own (``bersih demo``,
``bersih serve``, ``bersih worker``, ``bersih ledger verify``, ...)."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bersih.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line([os.path.basename(sys.argv[0]) or "bersih", *sys.argv[1:]])


if __name__ == "__main__":
    main()

"""``bersih serve``: the production web server — gunicorn with uvicorn workers (ASGI)."""

from __future__ import annotations

import os

from django.core.management.base import BaseCommand


def gunicorn_options(*, bind: str, workers: int, timeout: int, access_log: bool) -> dict:
    return {
        "bind": bind,
        "workers": workers,
        "worker_class": "bersih.core.server.BersihUvicornWorker",
        "timeout": timeout,
        "graceful_timeout": 20,
        "keepalive": 5,
        "accesslog": "-" if access_log else None,
        "errorlog": "-",
        "forwarded_allow_ips": os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
        "proc_name": "bersih",
    }


class Command(BaseCommand):
    help = "Serve Bersih with gunicorn and uvicorn workers (ASGI: pages, the API and live updates)."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=os.environ.get("BIND", "127.0.0.1:8000"))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2")))
        parser.add_argument("--timeout", type=int, default=int(os.environ.get("WEB_TIMEOUT", "60")))
        parser.add_argument("--no-access-log", action="store_true")

    def handle(self, *args, bind, workers, timeout, no_access_log, **options):
        from gunicorn.app.base import BaseApplication

        options_ = gunicorn_options(bind=bind, workers=workers, timeout=timeout, access_log=not no_access_log)

        class Server(BaseApplication):
            def load_config(self):
                for key, value in options_.items():
                    if value is not None:
                        self.cfg.set(key, value)

            def load(self):
                from bersih.asgi import application

                return application

        Server().run()

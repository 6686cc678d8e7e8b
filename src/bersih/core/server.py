"""The ASGI worker class gunicorn runs (``bersih serve``)."""

from uvicorn_worker import UvicornWorker


class BersihUvicornWorker(UvicornWorker):
    # Django's ASGI handler has no lifespan events; saying so keeps the logs free of a startup warning.
    CONFIG_KWARGS = {**UvicornWorker.CONFIG_KWARGS, "lifespan": "off"}

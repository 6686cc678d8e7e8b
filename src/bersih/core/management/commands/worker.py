"""``bersih worker``: the background task worker and the scheduler of periodic sweeps, together.

The task worker (django-tasks-db's) runs in the main thread; the scheduler runs in a second thread and
every ``--interval`` seconds runs the sweeps that are due (see ``bersih.core.schedule``). SIGTERM or
SIGINT lets the running task finish, stops the scheduler after its current sweep and exits.
``--once`` runs the due sweeps and then every ready task, and exits (for cron and tests).
With ``TASK_BACKEND=rq`` the tasks run in RQ's own workers and this command runs the scheduler only.
"""

from __future__ import annotations

import logging
import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection
from django.utils.crypto import get_random_string

from bersih.core.schedule import run_due_sweeps

logger = logging.getLogger("bersih.worker")


class Command(BaseCommand):
    help = "Run the background task worker and the scheduler of periodic sweeps."

    def add_arguments(self, parser):
        parser.add_argument(
            "--once", action="store_true", help="Run due sweeps and ready tasks once, then exit."
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=settings.SCHEDULER_INTERVAL_SECONDS,
            help="Seconds between looks for due sweeps (default: %(default)s).",
        )
        parser.add_argument("--queue-name", default="*", help="Task queues to process ('*' for all).")
        parser.add_argument("--no-tasks", action="store_true", help="Run the scheduler only.")

    def handle(self, *args, once: bool, interval: float, queue_name: str, no_tasks: bool, **options):
        run_tasks = not no_tasks and self._database_backend()
        if once:
            self._sweep_once()
            if run_tasks:
                self._task_worker(queue_name, batch=True).run()
            return
        stop = threading.Event()
        scheduler = threading.Thread(target=self._scheduler_loop, args=(stop, interval), name="scheduler")
        scheduler.start()
        try:
            if run_tasks:
                worker = self._task_worker(queue_name, batch=False)

                def shutdown(signum, frame):
                    stop.set()
                    worker.shutdown(signum, frame)

                signal.signal(signal.SIGINT, shutdown)
                signal.signal(signal.SIGTERM, shutdown)
                worker.run()
            else:
                signal.signal(signal.SIGINT, lambda *_: stop.set())
                signal.signal(signal.SIGTERM, lambda *_: stop.set())
                while not stop.wait(1):
                    pass
        finally:
            stop.set()
            scheduler.join()
            self.stdout.write("worker stopped")

    def _database_backend(self) -> bool:
        backend = settings.TASKS.get("default", {}).get("BACKEND", "")
        if backend != "django_tasks_db.DatabaseBackend":
            self.stdout.write(f"tasks run by {backend}; this worker runs the scheduler only")
            return False
        return True

    def _task_worker(self, queue_name: str, *, batch: bool):
        from django_tasks_db.management.commands.db_worker import Worker

        return Worker(
            queue_names=queue_name.split(","),
            interval=1,
            batch=batch,
            backend_name="default",
            startup_delay=not batch,
            max_tasks=None,
            worker_id=get_random_string(32),
            excluded_queue_names=[],
        )

    def _sweep_once(self) -> None:
        for name, summary in run_due_sweeps().items():
            self.stdout.write(f"sweep {name}: {summary}")

    def _scheduler_loop(self, stop: threading.Event, interval: float) -> None:
        try:
            while not stop.is_set():
                close_old_connections()
                try:
                    self._sweep_once()
                except Exception:  # a database hiccup must not end the scheduler
                    logger.exception("scheduler pass failed")
                stop.wait(interval)
        finally:
            connection.close()

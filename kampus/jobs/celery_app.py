"""Celery from the Flask app: Flask's documented pattern (a task class that runs
inside an app context), configured from ``KAMPUS_REDIS_URL``.

Without a broker (development, ``make run``, most tests) tasks run in-process
and eagerly: ``task.delay()`` runs the task at once, in the calling process.
"""

from __future__ import annotations

from celery import Celery, Task
from celery.schedules import crontab
from flask import Flask


def celery_config(app: Flask) -> dict:
    redis_url = app.config.get("REDIS_URL")
    config = {
        "broker_url": redis_url or "memory://",
        "result_backend": None,
        "task_ignore_result": True,
        "task_always_eager": not redis_url,
        "task_eager_propagates": True,
        # A worker that dies mid-task leaves it unacknowledged, so another takes it:
        # every task is idempotent (the outbox claims rows with a conditional update).
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "broker_connection_retry_on_startup": True,
        "timezone": "Europe/Helsinki",
        "beat_schedule": {
            "daily-reminders": {
                "task": "kampus.jobs.tasks.send_daily_reminders",
                "schedule": crontab(hour=7, minute=0),
            },
            "outbox-sweep": {"task": "kampus.jobs.tasks.deliver_due_outbox", "schedule": 60.0},
            "xapi-delivery": {"task": "kampus.jobs.tasks.deliver_xapi", "schedule": 60.0},
            "jobs-sweep": {"task": "kampus.jobs.tasks.run_due_jobs", "schedule": 60.0},
            "job-files-cleanup": {"task": "kampus.jobs.tasks.remove_old_job_files", "schedule": 3600.0},
            "report-snapshots": {"task": "kampus.jobs.tasks.refresh_stale_reports", "schedule": 300.0},
        },
    }
    config.update(app.config.get("CELERY") or {})
    return config


def celery_init_app(app: Flask) -> Celery:
    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                return self.run(*args, **kwargs)

    celery = Celery(app.name, task_cls=FlaskTask)
    celery.config_from_object(celery_config(app))
    celery.set_default()
    app.extensions["celery"] = celery
    import kampus.jobs.tasks  # noqa: F401  (registers the shared tasks)

    return celery

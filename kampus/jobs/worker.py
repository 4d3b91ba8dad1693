"""The Celery entry point: ``celery -A kampus.jobs.worker worker`` (and ``beat``)."""

from kampus.app import create_app

flask_app = create_app()
celery_app = flask_app.extensions["celery"]

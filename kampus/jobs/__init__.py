"""Background work: Celery with Redis in production, in-process without a broker.

``models`` holds the outbox, ``outbox`` writes to it inside the request's
transaction and hands each row to a task after the commit, ``tasks`` holds the
Celery tasks (delivery, the catch-up sweep, daily reminders), ``celery_app``
builds Celery from the Flask app (Flask's documented pattern) and ``worker`` is
what ``celery -A kampus.jobs.worker`` loads.
"""

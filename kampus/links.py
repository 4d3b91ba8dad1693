"""Links that leave the site: absolute URLs built from ``KAMPUS_BASE_URL``.

Every address put in an e-mail (invitations, password resets, reminders, later
badges and verification links) is built here from the configured base URL,
never from the request: a forged ``Host`` header or an absolute request line
cannot make Kampus mail a genuine link that points at someone else's server.
Works inside and outside a request (the ``kampus remind`` command has none).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app


def external_url(endpoint: str, **values) -> str:
    """The absolute URL of ``endpoint`` on the configured site, e.g.
    ``external_url("auth.reset_password", token=t)`` → ``https://kampus.example.fi/password/reset/…``.

    Raises :class:`werkzeug.routing.BuildError` for an unknown endpoint or missing values.
    """
    base = urlsplit(current_app.config["KAMPUS_BASE_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path.rstrip("/") or "/", url_scheme=base.scheme)
    current_app.inject_url_defaults(endpoint, values)
    return adapter.build(endpoint, values, force_external=True)

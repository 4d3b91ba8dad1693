"""The API's flask-smorest set-up: the OpenAPI 3.1 document generated from the
routes and schemas, problem+json error responses, bearer tokens, rate limits.

``init_api(app)`` runs when the token pages' blueprint is registered, so
``kampus/app.py`` names one blueprint like every other feature.
"""

from __future__ import annotations

import http
import os
from typing import Any

from flask import current_app
from flask_smorest import Api
from flask_smorest.utils import prepare_response

from kampus.api.problems import PROBLEM_CONTENT_TYPE
from kampus.api.schemas import ProblemSchema

DEFAULTS = {
    "API_TITLE": "Kampus API",
    "API_VERSION": "1",
    "OPENAPI_VERSION": "3.1.0",
    "OPENAPI_URL_PREFIX": "/api/v1",
    "OPENAPI_JSON_PATH": "openapi.json",
    "API_RATE_LIMIT": os.environ.get("KAMPUS_API_RATE_LIMIT", "120 per minute"),  # per token
    "API_SPEC_OPTIONS": {
        "info": {
            "description": (
                "Kampus REST API v1. Authenticate with a personal or organisation token from the account "
                "or organisation page: `Authorization: Bearer <token>`. Errors are RFC 9457 problem details. "
                "Lists that can grow long are paged with an opaque `cursor` (stable under inserts) and "
                "`limit` (1–200)."
            )
        },
        "security": [{"bearerAuth": []}],
    },
}

PUBLIC: list[dict[str, list[str]]] = [{}, {"bearerAuth": []}]  # the catalogue may be read without a token


class KampusApi(Api):
    """flask-smorest's Api with RFC 9457 problems: error responses are documented as
    ``application/problem+json`` and handled per API blueprint (the HTML pages keep
    their own error pages)."""

    ERROR_SCHEMA = ProblemSchema

    def _register_error_handlers(self):
        """Nothing app-wide: :func:`kampus.api.problems.register` handles the API's blueprints."""

    def _register_responses(self):
        for status in http.HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_CONTENT_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        default: dict[str, Any] = {"description": "Problem details (RFC 9457)", "schema": self.ERROR_SCHEMA}
        prepare_response(default, self.spec, PROBLEM_CONTENT_TYPE)
        self.spec.components.response("DEFAULT_ERROR", default, lazy=True)


def api_rate_limit() -> str:
    return current_app.config["API_RATE_LIMIT"]


def init_api(app) -> KampusApi:
    """Bind the API to ``app``: its blueprints, CSRF exemption, rate limit and the document."""
    from kampus.api import auth, problems, resources
    from kampus.extensions import csrf, limiter

    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    api = KampusApi(app)
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "description": "A Kampus API token (kmp_…)"}
    )
    for blueprint in resources.BLUEPRINTS:
        if not blueprint._got_registered_once:
            csrf.exempt(blueprint)  # no cookie is trusted here: only bearer tokens
            limiter.limit(api_rate_limit, key_func=auth.rate_limit_key)(blueprint)
            blueprint.before_request(auth.load_caller)
            problems.register(blueprint)
        api.register_blueprint(blueprint)
    app.extensions["kampus_api"] = api
    return api

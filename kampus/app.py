"""Application factory and the ``kampus`` command group.

``create_app`` is built from small named steps so each concern is easy to find.
"""

from __future__ import annotations

import os
from pathlib import Path

import click
from flask import Flask
from flask.cli import FlaskGroup

from kampus import config as config_module
from kampus.extensions import babel, csrf, db, limiter, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent
BLUEPRINTS = (
    "kampus.main.views",
    "kampus.catalogue.views",
    "kampus.auth.views",
    "kampus.orgs.views",
    "kampus.paths.views",
    "kampus.progress.views",
    "kampus.admin.views",
    "kampus.authoring.views",
    "kampus.authoring.prerequisite_views",  # routes on authoring's blueprint
    "kampus.authoring.transfer_views",  # routes on authoring's blueprint
    "kampus.assignments.views",
    "kampus.reports.views",
    "kampus.recognition.views",
    "kampus.case.views",
    "kampus.api.views",
    "kampus.credentials.views",
    "kampus.sso.views",
    "kampus.sso.saml_views",  # routes on sso's blueprint
    "kampus.sso.admin_views",
    "kampus.notifications.views",
    "kampus.jobs.views",
)


def create_app(config: dict | type | None = None) -> Flask:
    """Build the Kampus application.

    ``config`` is a config class or a mapping of overrides (tests pass
    ``TestConfig`` plus a database URL). The environment picks the class
    otherwise (``KAMPUS_ENV``). Raises :class:`kampus.config.ConfigError` when
    the configuration is unsafe for production.
    """
    app = Flask(
        "kampus",
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "kampus" / "static"),
        instance_path=os.environ.get("KAMPUS_INSTANCE_PATH", str(ROOT / "instance")),
    )
    configure(app, config)
    register_logging(app)
    register_input_checks(app)
    register_extensions(app)
    register_blueprints(app)
    register_stored_pages(app)
    register_errorhandlers(app)
    register_security_headers(app)
    register_template_helpers(app)
    register_commands(app)
    register_jobs(app)
    register_hooks()
    return app


def register_hooks() -> None:
    """Features that act on a lower feature's events subscribe to them here, so the lower
    feature imports nothing above it (the dependency direction of the README's code map)."""
    from kampus.credentials.services import on_module_satisfied
    from kampus.progress import services as progress

    if on_module_satisfied not in progress.SATISFIED_HOOKS:
        progress.SATISFIED_HOOKS.append(on_module_satisfied)


def configure(app: Flask, config: dict | type | None) -> None:
    overrides: dict = {}
    cls: type[config_module.Config]
    if isinstance(config, type):
        cls = config
    else:
        cls = config_module.config_class()
        if isinstance(config, dict) and "ENV_CLASS" in config:
            cls = config["ENV_CLASS"]
        overrides = dict(config or {})
        overrides.pop("ENV_CLASS", None)
    app.config.from_object(cls)
    app.config.update(cls.from_environment())
    app.config.update(overrides)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + str(Path(app.instance_path) / "kampus.db")
    cls.check(app.config)
    if app.config.get("PROXY_FIX"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]


def register_logging(app: Flask) -> None:
    from kampus.request_log import configure_logging

    configure_logging(app)


def register_input_checks(app: Flask) -> None:
    from kampus import routing

    routing.register(app)


def register_extensions(app: Flask) -> None:
    from kampus.i18n import select_locale, select_timezone

    db.init_app(app)
    ping_idle_connections(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = app.config.get("SESSION_PROTECTION", "strong")
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    limiter.init_app(app)
    check_limits_only_where_limited(app)
    from kampus import cache

    cache.init_app(app)

    # Import models so metadata is complete for migrations and relationships.
    import kampus.models  # noqa: F401


def ping_idle_connections(app: Flask) -> None:
    """Each engine tests a connection on checkout only after it sat idle (no ``pool_pre_ping``)."""
    from kampus.db import ping_idle_connections as install

    idle = app.config.get("POOL_PING_IDLE_SECONDS")
    if idle is None or app.config["SQLALCHEMY_ENGINE_OPTIONS"].get("pool_pre_ping"):
        return
    with app.app_context():
        for engine in db.engines.values():
            install(engine, float(idle))


def check_limits_only_where_limited(app: Flask) -> None:
    """Run Flask-Limiter's per-request check only for blueprints that carry a limit (the API).

    Flask-Limiter resolves the limits of every request in a ``before_request`` hook, about a
    tenth of a cached page's cost, though Kampus has no application or default limits: only
    the API's blueprint limit needs that hook. Limits decorated on a view (sign-in, password
    reset) are checked by their decorator inside the view, so they are unaffected. With an
    application or default limit configured, every request is checked as before.
    """
    from flask import request

    manager = limiter.limit_manager
    if manager.application_limits or manager.default_limits:
        return
    hooks = app.before_request_funcs.get(None, [])
    check = limiter._check_request_limit
    if check not in hooks:
        return
    limited = manager._blueprint_limits  # blueprint name -> limits, filled as blueprints are decorated

    def check_limited_blueprints() -> None:
        if any(name in limited for name in request.blueprints):
            check()

    check_limited_blueprints.is_limit_check = True  # type: ignore[attr-defined]

    hooks[hooks.index(check)] = check_limited_blueprints
    skip_untouched_limiter_hooks(app)


def is_limit_check(hook) -> bool:
    """The per-request limit check that :func:`check_limits_only_where_limited` put in place."""
    return getattr(hook, "is_limit_check", False)


def skip_untouched_limiter_hooks(app: Flask) -> None:
    """Flask-Limiter's after-request (conditional deductions, headers) and teardown (reset) hooks
    act on the request's limiter context only: a request that checked no limit has none, so
    they are skipped for it. A request that checked one (the API, a decorated view) runs them."""
    from flask.globals import request_ctx

    def touched() -> bool:
        return hasattr(request_ctx, "_limiter_request_context")  # set by Limiter.context

    def wrap(hook):
        def only_when_limited(*args):
            return hook(*args) if touched() else (args[0] if args else None)

        only_when_limited.__name__ = "only_when_limited"
        only_when_limited.__wrapped__ = hook  # type: ignore[attr-defined]
        return only_when_limited

    for funcs in (app.after_request_funcs.get(None, []), app.teardown_request_funcs.get(None, [])):
        for index, hook in enumerate(funcs):
            if getattr(hook, "__self__", None) is limiter or getattr(hook, "args", (None,))[:1] == (limiter,):
                funcs[index] = wrap(hook)


def register_blueprints(app: Flask) -> None:
    import importlib

    # Every module first (route modules add routes to their feature's blueprint), then each
    # blueprint once.
    blueprints = {id(module.bp): module.bp for module in map(importlib.import_module, BLUEPRINTS)}
    for bp in blueprints.values():
        app.register_blueprint(bp)


def register_stored_pages(app: Flask) -> None:
    """Serve visitors' stored pages (:func:`kampus.cache.serve_stored_anonymous_page`) and signed-in
    readers' (:func:`kampus.cache.serve_stored_personal_page`) right after the input checks and
    the request id, before the CSRF, rate-limit and other hooks; after the rate-limit check when
    every request is limited (application or default limits). A blueprint's own limit keeps its
    pages from being served early at all (:func:`kampus.cache._limited_blueprint`)."""
    from kampus import cache, request_log

    hooks = app.before_request_funcs.setdefault(None, [])
    position = hooks.index(request_log._start) + 1
    manager = limiter.limit_manager
    checks = [i for i, hook in enumerate(hooks) if hook == limiter._check_request_limit or is_limit_check(hook)]
    if (manager.application_limits or manager.default_limits) and checks:
        position = checks[0] + 1
    hooks[position:position] = [cache.serve_stored_anonymous_page, cache.serve_stored_personal_page]


def register_errorhandlers(app: Flask) -> None:
    from kampus.main.errors import register

    register(app)


def register_security_headers(app: Flask) -> None:
    from werkzeug.exceptions import SecurityError

    from kampus.security import apply_security_headers, untrusted_host

    app.after_request(apply_security_headers)
    app.register_error_handler(SecurityError, untrusted_host)  # a Host outside TRUSTED_HOSTS


def register_template_helpers(app: Flask) -> None:
    from kampus import templating

    templating.register(app)


def register_jobs(app: Flask) -> None:
    from kampus.jobs.celery_app import celery_init_app

    celery_init_app(app)


def register_commands(app: Flask) -> None:
    from kampus.commands import register

    register(app)


def create_cli_app() -> Flask:
    """The app of the ``kampus`` command. Someone at the machine's shell chose development
    (``kampus run`` is the dev server), so outside production the public development key
    is accepted here; a WSGI server calling :func:`create_app` refuses it."""
    return create_app({"ALLOW_DEVELOPMENT_KEY": True})


@click.group(cls=FlaskGroup, create_app=create_cli_app)
def cli() -> None:
    """Kampus: the competence campus's management commands."""

"""Configuration: safe development defaults, overridden by the environment.

``KAMPUS_ENV`` picks the class (``development``, ``production``; tests pass
:class:`TestConfig` themselves). ``KAMPUS_DATABASE_URL`` and ``SECRET_KEY``
come from the environment. The development secret is public, so it is refused
everywhere except an explicit development mode (``KAMPUS_ENV=development``, or
the ``kampus`` command and its ``kampus run`` dev server) and the tests.

Production also needs ``KAMPUS_BASE_URL`` (every link that leaves the site is
built from it, and only its host is trusted in ``Host`` headers) and a rate-limit
store shared by the workers (``KAMPUS_RATELIMIT_STORAGE_URI``, e.g. Redis; by
default ``KAMPUS_REDIS_URL``, the same Redis as Celery and the page cache) unless
``KAMPUS_SINGLE_PROCESS=1`` says only one process serves.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

DEV_SECRET_KEY = "dev-only-not-secret"


class ConfigError(RuntimeError):
    """The configuration is unsafe or incomplete; the message says what to set."""


class Config:
    ENV_NAME = "development"
    SECRET_KEY = DEV_SECRET_KEY
    SQLALCHEMY_DATABASE_URI: str | None = None  # filled from the instance folder
    # No pool_pre_ping (a round trip per request on PostgreSQL): a connection idle this long
    # is tested on checkout instead (kampus.db.ping_idle_connections).
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    POOL_PING_IDLE_SECONDS = 30.0
    SQLALCHEMY_RECORD_QUERIES = False
    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None
    BABEL_DEFAULT_LOCALE = "fi"
    BABEL_SUPPORTED_LOCALES = ("fi", "sv", "en")
    BABEL_TRANSLATION_DIRECTORIES = "translations"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    SESSION_PROTECTION = "strong"
    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = False
    LOGIN_RATE_LIMIT = "5 per minute"  # failures per (account, address) pair
    LOGIN_ADDRESS_RATE_LIMIT = "20 per minute"  # failures per address, whatever the account
    LOGIN_ACCOUNT_FREE_FAILURES = 5  # failures of one account before each attempt is slowed down
    LOGIN_ACCOUNT_WINDOW = 15 * 60  # seconds over which an account's failures are counted
    LOGIN_DELAY_BASE = 0.5  # seconds, doubled for each further failure
    LOGIN_DELAY_MAX = 5.0  # seconds
    SINGLE_PROCESS = False  # True: one process serves, so an in-memory rate-limit store is enough
    HSTS_MAX_AGE: int | None = None  # production sends Strict-Transport-Security
    ALLOW_DEVELOPMENT_KEY = False  # set by the kampus command (the dev server), never in a WSGI server
    MAIL_SERVER: str | None = None
    MAIL_PORT = 25
    MAIL_SENDER = "kampus@localhost"
    FEEDBACK_EMAIL = "saavutettavuus@kampus.example"
    SEND_FILE_MAX_AGE_DEFAULT = 31536000  # static files are fingerprinted by ?v=
    PREFERRED_URL_SCHEME = "http"
    PROXY_FIX = False
    MAX_CONTENT_LENGTH = 1024 * 1024  # any request body; file imports allow UPLOAD_MAX_CONTENT_LENGTH
    UPLOAD_MAX_CONTENT_LENGTH = 10 * 1024 * 1024
    KAMPUS_BASE_URL: str | None = "http://127.0.0.1:5000"  # for links in e-mails sent outside a request
    REDIS_URL: str | None = None  # Celery's broker; unset: background tasks run in-process
    #: The page and fragment cache: ``redis://…`` (production: REDIS_URL by default), unset: in-process LRU.
    CACHE_URL: str | None = None
    CACHE_LRU_SIZE = 2048
    TEST_OUT_ATTEMPTS = 2  # test-out attempts in a row before the cool-down
    TEST_OUT_COOLDOWN_HOURS = 24
    # xAPI delivery to a Learning Record Store (kampus.xapi); no endpoint: statements wait in the outbox
    KAMPUS_XAPI_ENDPOINT: str | None = None  # e.g. https://lrs.example/xapi (…/statements is appended)
    KAMPUS_XAPI_USERNAME: str | None = None
    KAMPUS_XAPI_PASSWORD: str | None = None
    KAMPUS_XAPI_ACTOR_SECRET: str | None = None  # keys the opaque actor ids; defaults to SECRET_KEY
    KAMPUS_XAPI_BATCH_SIZE = 50
    KAMPUS_XAPI_TIMEOUT = 10.0
    KAMPUS_XAPI_RETRY_BASE_SECONDS = 30
    KAMPUS_XAPI_RETRY_MAX_SECONDS = 6 * 3600
    KAMPUS_CREDENTIALS_KEY_DIR: str | None = None  # credential signing keys; unset: instance/credential-keys
    KAMPUS_SAML_KEY_DIR: str | None = None  # the SAML SP's signing key and certificate; unset: instance/saml-sp
    SAML_XMLSEC_BINARY = "/usr/bin/xmlsec1"
    SAML_ACCEPTED_TIME_DIFF = 60  # seconds of clock skew allowed between the IdP and Kampus
    # Background jobs (kampus.jobs.progress). Result files: unset, instance/jobs; production with
    # separate workers needs one folder shared by the web processes and the workers.
    KAMPUS_JOB_FILES: str | None = None
    KAMPUS_JOB_RESULT_HOURS = 24  # finished jobs' files are removed after this (beat, hourly)
    KAMPUS_JOB_LEASE_SECONDS = 300  # a running job not heard of for this long is taken again
    KAMPUS_EXPORT_INLINE_MAX = 2000  # people: a larger CSV progress export runs as a job
    KAMPUS_EXPORT_XLSX_INLINE_MAX = 500  # people: a larger .xlsx export runs as a job (~12 µs a cell)
    KAMPUS_IMPORT_INLINE_MAX = 200  # rows: a larger staff CSV import runs as a job
    KAMPUS_CATALOGUE_IMPORT_INLINE_MAX = 500  # modules: a larger catalogue import runs as a job

    @classmethod
    def from_environment(cls) -> dict:
        """Values the environment overrides, whatever the class."""
        values: dict = {}
        if os.environ.get("KAMPUS_DATABASE_URL"):
            values["SQLALCHEMY_DATABASE_URI"] = os.environ["KAMPUS_DATABASE_URL"]
        if os.environ.get("SECRET_KEY"):
            values["SECRET_KEY"] = os.environ["SECRET_KEY"]
        if os.environ.get("KAMPUS_MAIL_SERVER"):
            values["MAIL_SERVER"] = os.environ["KAMPUS_MAIL_SERVER"]
            values["MAIL_PORT"] = int(os.environ.get("KAMPUS_MAIL_PORT", "25"))
        if os.environ.get("KAMPUS_MAIL_SENDER"):
            values["MAIL_SENDER"] = os.environ["KAMPUS_MAIL_SENDER"]
        if os.environ.get("KAMPUS_RATELIMIT_STORAGE_URI"):
            values["RATELIMIT_STORAGE_URI"] = os.environ["KAMPUS_RATELIMIT_STORAGE_URI"]
        if os.environ.get("KAMPUS_BASE_URL"):
            values["KAMPUS_BASE_URL"] = os.environ["KAMPUS_BASE_URL"].rstrip("/")
        if os.environ.get("KAMPUS_REDIS_URL"):
            values["REDIS_URL"] = os.environ["KAMPUS_REDIS_URL"]
        if os.environ.get("KAMPUS_CACHE_URL"):
            values["CACHE_URL"] = os.environ["KAMPUS_CACHE_URL"]
        if os.environ.get("KAMPUS_OUTBOX_LEASE_SECONDS"):
            values["OUTBOX_LEASE_SECONDS"] = int(os.environ["KAMPUS_OUTBOX_LEASE_SECONDS"])
        for name in ("TEST_OUT_ATTEMPTS", "TEST_OUT_COOLDOWN_HOURS"):
            if os.environ.get(f"KAMPUS_{name}"):
                values[name] = int(os.environ[f"KAMPUS_{name}"])
        for name in (
            "KAMPUS_XAPI_ENDPOINT",
            "KAMPUS_XAPI_USERNAME",
            "KAMPUS_XAPI_PASSWORD",
            "KAMPUS_XAPI_ACTOR_SECRET",
        ):
            if os.environ.get(name):
                values[name] = os.environ[name]
        if os.environ.get("KAMPUS_JOB_FILES"):
            values["KAMPUS_JOB_FILES"] = os.environ["KAMPUS_JOB_FILES"]
        for name in (
            "KAMPUS_JOB_RESULT_HOURS",
            "KAMPUS_JOB_LEASE_SECONDS",
            "KAMPUS_EXPORT_INLINE_MAX",
            "KAMPUS_EXPORT_XLSX_INLINE_MAX",
            "KAMPUS_IMPORT_INLINE_MAX",
            "KAMPUS_CATALOGUE_IMPORT_INLINE_MAX",
        ):
            if os.environ.get(name):
                values[name] = int(os.environ[name])
        if os.environ.get("KAMPUS_CREDENTIALS_KEY_DIR"):
            values["KAMPUS_CREDENTIALS_KEY_DIR"] = os.environ["KAMPUS_CREDENTIALS_KEY_DIR"]
        if os.environ.get("KAMPUS_SAML_KEY_DIR"):
            values["KAMPUS_SAML_KEY_DIR"] = os.environ["KAMPUS_SAML_KEY_DIR"]
        if os.environ.get("KAMPUS_XMLSEC_BINARY"):
            values["SAML_XMLSEC_BINARY"] = os.environ["KAMPUS_XMLSEC_BINARY"]
        if os.environ.get("KAMPUS_PROXY_FIX"):
            values["PROXY_FIX"] = os.environ["KAMPUS_PROXY_FIX"] == "1"
        if os.environ.get("KAMPUS_SINGLE_PROCESS"):
            values["SINGLE_PROCESS"] = os.environ["KAMPUS_SINGLE_PROCESS"] == "1"
        if os.environ.get("KAMPUS_TRUSTED_HOSTS"):
            values["EXTRA_TRUSTED_HOSTS"] = [
                h.strip() for h in os.environ["KAMPUS_TRUSTED_HOSTS"].split(",") if h.strip()
            ]
        return values

    @classmethod
    def check(cls, config: dict) -> None:
        """Raise :class:`ConfigError` when the configuration is unsafe for this mode.

        Outside production the public development key is accepted only when
        development was chosen explicitly: ``KAMPUS_ENV=development`` or the
        ``kampus`` command (``ALLOW_DEVELOPMENT_KEY``). So ``gunicorn
        "kampus.app:create_app()"`` without ``KAMPUS_ENV`` refuses to start.
        """
        check_base_url(config.get("KAMPUS_BASE_URL"), production=False)
        if config.get("SECRET_KEY") in (None, "", DEV_SECRET_KEY):
            explicit = os.environ.get("KAMPUS_ENV") == "development" or config.get("ALLOW_DEVELOPMENT_KEY")
            if not explicit:
                raise ConfigError(
                    "Refusing to serve with the public development SECRET_KEY. Set SECRET_KEY to a random "
                    "value of at least 32 characters and KAMPUS_ENV=production, or set KAMPUS_ENV=development "
                    "explicitly on a development machine (the kampus command, and so make run, allows it)."
                )


def check_base_url(value: str | None, *, production: bool) -> None:
    """``KAMPUS_BASE_URL`` must be an absolute http(s) address without query or fragment (https in production)."""
    if not value:
        raise ConfigError(
            "Production mode needs KAMPUS_BASE_URL, the site's public address (e.g. https://kampus.example.fi): "
            "every link sent by e-mail is built from it, never from the request."
        )
    parts = urlsplit(value)
    schemes = ("https",) if production else ("http", "https")
    if parts.scheme not in schemes or not parts.hostname or parts.query or parts.fragment:
        raise ConfigError(
            f"KAMPUS_BASE_URL must be an absolute {' or '.join(schemes)} address like https://kampus.example.fi "
            f"(no query or fragment); got {value!r}."
        )


def base_url_host(value: str) -> str:
    """The host name of a base URL, as ``TRUSTED_HOSTS`` wants it."""
    return urlsplit(value).hostname or ""


class DevelopmentConfig(Config):
    pass


class ProductionConfig(Config):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"
    KAMPUS_BASE_URL = None  # required: KAMPUS_BASE_URL from the environment
    HSTS_MAX_AGE = 31536000

    @classmethod
    def check(cls, config: dict) -> None:
        secret = config.get("SECRET_KEY")
        if not secret or secret == DEV_SECRET_KEY or len(secret) < 32:
            raise ConfigError(
                "Production mode needs a real SECRET_KEY: set the environment variable "
                "SECRET_KEY to a random value of at least 32 characters "
                '(e.g. python -c "import secrets; print(secrets.token_hex(32))").'
            )
        check_base_url(config.get("KAMPUS_BASE_URL"), production=True)
        if not config.get("TRUSTED_HOSTS"):
            # Requests naming another host get 400 instead of reaching a view.
            config["TRUSTED_HOSTS"] = [base_url_host(config["KAMPUS_BASE_URL"]), *config.get("EXTRA_TRUSTED_HOSTS", ())]
        storage = config.get("RATELIMIT_STORAGE_URI") or "memory://"
        if storage.startswith("memory://") and config.get("REDIS_URL") and not config.get("SINGLE_PROCESS"):
            # One Redis for Celery, the rate limits and the page caches.
            storage = config["RATELIMIT_STORAGE_URI"] = config["REDIS_URL"]
        if not config.get("CACHE_URL") and config.get("REDIS_URL") and not config.get("SINGLE_PROCESS"):
            config["CACHE_URL"] = config["REDIS_URL"]
        if storage.startswith("memory://") and not config.get("SINGLE_PROCESS"):
            raise ConfigError(
                "Production mode needs a rate-limit store shared by every worker: set KAMPUS_RATELIMIT_STORAGE_URI "
                "(e.g. redis://127.0.0.1:6379/0). With memory:// each worker counts on its own; set "
                "KAMPUS_SINGLE_PROCESS=1 only when one single process serves (gunicorn -w 1)."
            )


class TestConfig(Config):
    ENV_NAME = "test"
    TESTING = True
    SECRET_KEY = "test-secret-key"
    RATELIMIT_ENABLED = True
    SERVER_NAME = None
    KAMPUS_BASE_URL = "http://localhost"  # the test client's host, so links can be followed

    @classmethod
    def check(cls, config: dict) -> None:
        check_base_url(config.get("KAMPUS_BASE_URL"), production=False)


CONFIGS = {"development": DevelopmentConfig, "production": ProductionConfig, "test": TestConfig}


def config_class() -> type[Config]:
    """The configuration class named by ``KAMPUS_ENV`` (default development)."""
    name = os.environ.get("KAMPUS_ENV", "development")
    try:
        return CONFIGS[name]
    except KeyError:
        raise ConfigError(f"KAMPUS_ENV must be one of {', '.join(CONFIGS)}; got {name!r}") from None

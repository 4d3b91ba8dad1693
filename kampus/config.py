"""Configuration: safe development defaults, overridden by the environment.

``KAMPUS_ENV`` picks the class (``development``, ``production``; tests pass
:class:`TestConfig` themselves). ``KAMPUS_DATABASE_URL`` and ``SECRET_KEY``
come from the environment; production refuses the development secret.
"""

from __future__ import annotations

import os

DEV_SECRET_KEY = "dev-only-not-secret"


class ConfigError(RuntimeError):
    """The configuration is unsafe or incomplete; the message says what to set."""


class Config:
    ENV_NAME = "development"
    SECRET_KEY = DEV_SECRET_KEY
    SQLALCHEMY_DATABASE_URI: str | None = None  # filled from the instance folder
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
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
    LOGIN_RATE_LIMIT = "5 per minute"
    MAIL_SERVER: str | None = None
    MAIL_PORT = 25
    MAIL_SENDER = "kampus@localhost"
    FEEDBACK_EMAIL = "saavutettavuus@kampus.example"
    SEND_FILE_MAX_AGE_DEFAULT = 31536000  # static files are fingerprinted by ?v=
    PREFERRED_URL_SCHEME = "http"
    PROXY_FIX = False
    KAMPUS_BASE_URL = "http://127.0.0.1:5000"  # for links in e-mails sent outside a request
    REDIS_URL: str | None = None  # Celery's broker; unset: background tasks run in-process
    KAMPUS_CREDENTIALS_KEY_DIR: str | None = None  # credential signing keys; unset: instance/credential-keys

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
        if os.environ.get("KAMPUS_OUTBOX_LEASE_SECONDS"):
            values["OUTBOX_LEASE_SECONDS"] = int(os.environ["KAMPUS_OUTBOX_LEASE_SECONDS"])
        if os.environ.get("KAMPUS_CREDENTIALS_KEY_DIR"):
            values["KAMPUS_CREDENTIALS_KEY_DIR"] = os.environ["KAMPUS_CREDENTIALS_KEY_DIR"]
        if os.environ.get("KAMPUS_PROXY_FIX"):
            values["PROXY_FIX"] = os.environ["KAMPUS_PROXY_FIX"] == "1"
        return values

    @classmethod
    def check(cls, config: dict) -> None:
        """Raise :class:`ConfigError` when the configuration is unsafe for this mode."""


class DevelopmentConfig(Config):
    pass


class ProductionConfig(Config):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"

    @classmethod
    def check(cls, config: dict) -> None:
        secret = config.get("SECRET_KEY")
        if not secret or secret == DEV_SECRET_KEY or len(secret) < 32:
            raise ConfigError(
                "Production mode needs a real SECRET_KEY: set the environment variable "
                "SECRET_KEY to a random value of at least 32 characters "
                '(e.g. python -c "import secrets; print(secrets.token_hex(32))").'
            )


class TestConfig(Config):
    ENV_NAME = "test"
    TESTING = True
    SECRET_KEY = "test-secret-key"
    RATELIMIT_ENABLED = True
    SERVER_NAME = None


CONFIGS = {"development": DevelopmentConfig, "production": ProductionConfig, "test": TestConfig}


def config_class() -> type[Config]:
    """The configuration class named by ``KAMPUS_ENV`` (default development)."""
    name = os.environ.get("KAMPUS_ENV", "development")
    try:
        return CONFIGS[name]
    except KeyError:
        raise ConfigError(f"KAMPUS_ENV must be one of {', '.join(CONFIGS)}; got {name!r}") from None

"""Slowing down guesses at one account without locking its owner out.

Sign-in failures are counted per account (whatever the address they come from)
in the rate limiter's store, so every worker sees the same count (production
refuses ``memory://`` with more than one process). After
``LOGIN_ACCOUNT_FREE_FAILURES`` failures within ``LOGIN_ACCOUNT_WINDOW``
seconds, every further attempt at that account waits before its password is
checked: ``LOGIN_DELAY_BASE`` seconds, doubled for each further failure, at most
``LOGIN_DELAY_MAX``. The owner's correct password still gets in, a little later;
a guesser spread over many addresses is slowed down. The hard limits (HTTP 429)
apply per address and per (account, address) pair, in :mod:`kampus.auth.views`.
"""

from __future__ import annotations

import hashlib
import time

from flask import current_app

from kampus.extensions import limiter

sleep = time.sleep  # tests replace it to see the delays without waiting


def _key(email: str) -> str:
    return "kampus/login-account-failures/" + hashlib.sha256(email.encode()).hexdigest()[:32]


def _enabled() -> bool:
    return bool(current_app.config.get("RATELIMIT_ENABLED", True))


def failures(email: str) -> int:
    """Recent failed sign-ins at the account ``email`` (normalised), from any address."""
    if not _enabled() or not email:
        return 0
    try:
        return int(limiter.storage.get(_key(email)) or 0)
    except Exception:  # the store is down: sign-in still works, only unthrottled
        current_app.logger.warning("login throttle: rate-limit store unreachable", exc_info=True)
        return 0


def record_failure(email: str) -> None:
    if not _enabled() or not email:
        return
    try:
        limiter.storage.incr(_key(email), int(current_app.config.get("LOGIN_ACCOUNT_WINDOW", 900)))
    except Exception:
        current_app.logger.warning("login throttle: rate-limit store unreachable", exc_info=True)


def forget_failures(email: str) -> None:
    """The owner signed in: their account's count starts again."""
    if not _enabled() or not email:
        return
    try:
        limiter.storage.clear(_key(email))
    except Exception:
        current_app.logger.warning("login throttle: rate-limit store unreachable", exc_info=True)


def delay_for(failure_count: int) -> float:
    """Seconds to wait before checking a password, after ``failure_count`` recent failures."""
    config = current_app.config
    extra = failure_count - int(config.get("LOGIN_ACCOUNT_FREE_FAILURES", 5))
    if extra < 0:
        return 0.0
    return min(float(config.get("LOGIN_DELAY_MAX", 5.0)), float(config.get("LOGIN_DELAY_BASE", 0.5)) * 2**extra)


def slow_down(email: str) -> float:
    """Wait as long as the account's recent failures ask for; returns the seconds waited."""
    delay = delay_for(failures(email))
    if delay > 0:
        sleep(delay)
    return delay

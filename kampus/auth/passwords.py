"""Password hashing with argon2 (argon2-cffi). Passwords are never stored in clear."""

from __future__ import annotations

import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()
# Verified against when the e-mail is unknown, so both cases take the same time.
_DUMMY_HASH = _hasher.hash("not-a-real-password")

MIN_PASSWORD_LENGTH = 10


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; a missing hash costs the same time and fails."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


# --- choosing a password (NIST SP 800-63B, 5.1.1.2) ------------------------------
# Length counts, composition rules do not. A password is refused when it is on a
# list of common passwords (zxcvbn's 30,000 most common, a maintained package),
# contains the person's own e-mail address or name (or a part of them), or is
# otherwise trivially guessable: repeated or sequential characters, keyboard
# walks, a dictionary word with a digit (zxcvbn's estimate below 10^8 guesses).

TOO_SHORT, COMMON, PERSONAL, GUESSABLE = "too_short", "common", "personal", "guessable"
MIN_GUESSES_LOG10 = 8  # zxcvbn's score 3: "safely unguessable: moderate protection from offline attacks"
_ZXCVBN_MAX_LENGTH = 100  # zxcvbn is quadratic; beyond this only the first part is estimated


def _common_passwords() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


_COMMON: frozenset[str] | None = None


def is_common_password(password: str) -> bool:
    global _COMMON
    if _COMMON is None:
        _COMMON = _common_passwords()
    return password.lower() in _COMMON


def personal_words(*inputs: str | None) -> list[str]:
    """The parts of a person's e-mail address and name a password must not contain (3 characters or more)."""
    words: set[str] = set()
    for value in inputs:
        value = (value or "").strip().lower()
        if not value:
            continue
        local, _at, domain = value.partition("@")
        if len(local) >= 3:
            words.add(local)
        for part in re.split(r"[\s.\-_+@,']+", value):
            if len(part) >= 3:
                words.add(part)
        if domain and len(domain.split(".")[0]) >= 3:
            words.add(domain.split(".")[0])
    return sorted(words)


def password_problem(password: str, *, user_inputs: tuple[str | None, ...] = ()) -> str | None:
    """Why ``password`` is refused (``too_short``, ``common``, ``personal``, ``guessable``), else None."""
    password = password or ""
    if len(password) < MIN_PASSWORD_LENGTH:
        return TOO_SHORT
    if is_common_password(password):
        return COMMON
    folded = password.lower()
    words = personal_words(*user_inputs)
    if any(word in folded for word in words):
        return PERSONAL
    from zxcvbn import zxcvbn

    estimate = zxcvbn(password[:_ZXCVBN_MAX_LENGTH], user_inputs=words)
    if estimate["guesses_log10"] < MIN_GUESSES_LOG10:
        return GUESSABLE
    return None

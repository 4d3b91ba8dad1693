"""Demo data: badges on for every published module and path template, and (outside
tests) a signing key when there is none, so ``make run`` issues credentials at once."""

from __future__ import annotations

from pathlib import Path

from flask import current_app


def seed_demo(seed_dir: Path) -> str:
    from kampus.credentials import services, signing

    switched = services.enable_all_published()
    made = ""
    if not current_app.testing and not signing.load_keys(services.key_directory()):
        key = signing.generate_key(services.key_directory())
        made = f", signing key {key.kid}"
    return f"credentials: badges on {switched}{made}"

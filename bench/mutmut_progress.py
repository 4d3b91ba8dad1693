"""mutmut 3 on kampus/progress/services.py instead of the engine (`make mutants MUTANTS=progress`).

mutmut reads its configuration only from pyproject.toml, whose `[tool.mutmut]` is the engine's
(`make mutants`). This wrapper runs mutmut's own command line with the settings in PROGRESS laid
over it, so both measurements share one pyproject:

    python bench/mutmut_progress.py run --max-children 1    # then: results, show NAME, browse

It is also a pytest plugin (`-p bench.mutmut_progress`, added below): every mutant is a fresh
pytest session, and the session's first database otherwise migrates and seeds a template (about
10 s, longer than most mutants' tests) and compiles the translations. The plugin keeps each template
built by the clean run in `mutants/.templates/` and copies it for later sessions, and compiles the
translations once. The template is built before any mutant is
switched on, so a mutant cannot change it; the tests still get a fresh copy each.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

#: The settings for the progress services, over pyproject's `[tool.mutmut]`.
PROGRESS: dict[str, Any] = {
    "source_paths": ["kampus/"],
    "only_mutate": ["kampus/progress/services.py"],
    # The app needs its migrations, seed and page templates next to the copied kampus/.
    "also_copy": ["migrations/", "seed/", "templates/", "bench/"],
    "pytest_add_cli_args_test_selection": ["tests/progress"],
    "pytest_add_cli_args": ["-q", "-p", "bench.mutmut_progress", "-p", "no:warnings"],
}

TEMPLATES = Path(".templates")  # inside mutants/, where mutmut runs the tests


def _cached(prepare):
    def prepare_once(url: str, kind: str) -> None:
        if not url.startswith("sqlite:///"):
            prepare(url, kind)
            return
        target = Path(url.removeprefix("sqlite:///"))
        cached = TEMPLATES.resolve() / f"{kind}.db"
        if cached.exists():
            shutil.copyfile(cached, target)
            return
        prepare(url, kind)
        cached.parent.mkdir(exist_ok=True)
        shutil.copyfile(target, cached)

    prepare_once.cached = True  # type: ignore[attr-defined]
    return prepare_once


def _once(build):
    built: dict = {}

    def build_once(*args, **kwargs):
        if not built:
            built.update(build(*args, **kwargs) or {"": 0})
        return dict(built)

    build_once.cached = True  # type: ignore[attr-defined]
    return build_once


def pytest_sessionstart(session) -> None:
    """Wrap tests/conftest.py's template builder and the translation build (once: forked sessions
    share the modules, so what the clean run built is kept)."""
    import kampus.i18n

    if not getattr(kampus.i18n.build_catalogues, "cached", False):
        kampus.i18n.build_catalogues = _once(kampus.i18n.build_catalogues)
    conftest = sys.modules.get("tests.conftest")
    if conftest is not None and not getattr(conftest._prepare, "cached", False):
        conftest._prepare = _cached(conftest._prepare)


def main() -> None:
    import mutmut.configuration

    original = mutmut.configuration._config_reader

    def reader():
        base = original()
        return lambda key, default: PROGRESS[key] if key in PROGRESS else base(key, default)

    mutmut.configuration._config_reader = reader
    mutmut.configuration.reset_config()
    from mutmut.__main__ import cli

    cli()


if __name__ == "__main__":
    main()

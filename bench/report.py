"""Every figure of issue 19's table beside its target, in one run, with "met" / "NOT met".

Run from the project root::

    python bench/report.py                  # SQLite: light pages over HTTP, national scale, YAML parsing
    python bench/report.py --postgres       # the same, then again on a throwaway PostgreSQL cluster
    python bench/report.py --quick          # a small national dataset (while developing)

It runs, one after the other, ``bench/http_load.py`` (the light pages as a share
of a bare Flask app served the same way, measured side by side: that is the
baseline of every ratio) and ``bench/national.py`` (77 × 300 staff plus one
10,000-staff organisation), and measures the catalogue YAML parse itself
(libyaml's C loader against PyYAML's pure-Python one). Each script prints its
own table; the summary at the end repeats every line that has a target.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent


def run(label: str, command: list[str]) -> list[str]:
    """Run a bench script, echo its output as it comes, return the lines that carry a verdict."""
    print(f"\n=== {label}: {' '.join(command)}", flush=True)
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    verdicts = []
    section = label
    for line in process.stdout:
        print(line, end="", flush=True)
        stripped = line.rstrip()
        if stripped.startswith(("SQLite", "PostgreSQL")) and ":" in stripped:
            section = f"{label}, {stripped.split(':', 1)[0]}"
        if re.search(r"(?<!not )\bmet\b|NOT met", stripped) and not re.match(r"^\d+ (target|of)", stripped):
            verdicts.append(f"[{section}] {stripped.strip()}")
    process.wait()
    if process.returncode:
        verdicts.append(f"[{label}] exited with {process.returncode}: figures missing")
    return verdicts


def catalogue_yaml(modules: int) -> str:
    items = [
        {
            "slug": f"moduuli-{n}",
            "theme": "pedagogiikka",
            "position": n,
            "title": {"fi": f"Moduuli {n}", "sv": f"Modul {n}", "en": f"Module {n}"},
            "summary": {"fi": "Lyhyesti " * 8},
            "level": "B1",
            "minutes": 30,
            "target_groups": ["teaching"],
            "status": "published",
            "sections": [{"title": {"fi": f"Osa {i}"}, "body": {"fi": "Tekstiä **paljon**.\n" * 6}} for i in range(3)],
            "self_check": {
                "pass_mark": 70,
                "questions": [{"prompt": {"fi": "Kysymys?"}, "choices": [{"fi": "a"}, {"fi": "b"}], "correct": [0]}],
            },
        }
        for n in range(modules)
    ]
    return yaml.safe_dump({"modules": items}, allow_unicode=True, sort_keys=False)


def yaml_figures(modules: int) -> list[str]:
    """Parse a catalogue of ``modules`` modules with the loader the importer uses, and with pure PyYAML."""
    sys.path.insert(0, str(ROOT))
    from kampus.catalogue import loader

    text = catalogue_yaml(modules)
    start = time.process_time()
    loader.check_events(text)
    yaml.load(text, Loader=loader._Loader)  # noqa: S506 - a safe loader
    fast = time.process_time() - start
    start = time.process_time()
    yaml.safe_load(text)
    pure = time.process_time() - start
    name = loader._Loader.__name__
    line = (
        f"catalogue YAML parse, {modules:,} modules ({len(text) / 1e6:.0f} MB): {name} with the safety walk "
        f"{fast:.1f} s CPU, pure-Python safe_load {pure:.1f} s — "
        f"{'met' if name == 'CSafeLoader' and fast < pure else 'NOT met'} (target: libyaml's C loader)"
    )
    print(f"\n=== YAML\n{line}", flush=True)
    return [f"[YAML] {line}"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", action="store_true", help="also on a throwaway PostgreSQL cluster")
    parser.add_argument("--quick", action="store_true", help="a small national dataset and 3-second wrk runs")
    parser.add_argument("--skip-national", action="store_true")
    args = parser.parse_args(argv)
    python = sys.executable
    verdicts = []
    http = [python, str(BENCH / "http_load.py")] + (["--postgres"] if args.postgres else [])
    if args.quick:
        http += ["--duration", "3"]
    verdicts += run("light pages over HTTP", http)
    if not args.skip_national:
        national = [python, str(BENCH / "national.py")]
        if args.quick:
            national += ["--orgs", "3", "--staff", "100", "--big", "2500", "--db", "/tmp/kampus-national-quick.sqlite"]
        verdicts += run("national scale, SQLite", national)
        if args.postgres:
            verdicts += run("national scale, PostgreSQL", national + ["--postgres"])
    verdicts += yaml_figures(2_000 if args.quick else 10_000)
    print("\n=== Summary: every figure with a target")
    for line in verdicts:
        print(line)
    missed = sum("NOT met" in line or "figures missing" in line for line in verdicts)
    print(f"\n{len(verdicts) - missed} met, {missed} not met")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

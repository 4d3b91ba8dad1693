"""The mutation score of the pure engine (`make mutants`) or of the progress services
(`make mutants MUTANTS=progress`), from the results `mutmut run` left in mutants/.

score = killed / (killed + survived), where a timeout or a segfault counts as killed and a mutant
no test reaches ("no tests") counts as survived. Mutants judged equivalent (no test can tell
them apart from the original; EQUIVALENT below, each with its reason) are listed and left out
of both counts. Prints one line per file, the total and every survivor; exits 1 below --min.

Usage, from the repository root after `mutmut run`:
python bench/mutation_score.py [--target engine|progress] [--min PERCENT]
(the lowest acceptable score defaults to 95 % for the engine and 85 % for the progress services).
"""

import argparse
import json
import pathlib
import sys

from mutmut.stats import status_by_exit_code

P, R, S = "kampus.graph.planner.x_", "kampus.graph.prereqs.x_", "kampus.progress.services.x_"

#: Mutant name → why no test can kill it (the behaviour is the same): the engine's.
EQUIVALENT: dict[str, str] = {
    P + "plan__mutmut_56": "a goal record's starting indegree is overwritten by len(blockers) when popped",
    P + "plan__mutmut_93": "a prerequisite record's starting indegree is overwritten the same way",
    P + "_as_set__mutmut_1": "always copying into a set gives the same answers, only slower",
    R + "validate__mutmut_115": "find_cycles' default limit is MAX_CYCLES",
    R + "find_cycles__mutmut_15": "at len(found) == limit the inner loop breaks at once: no generator goes on",
    R + "find_cycles__mutmut_30": "parts are disjoint and simple_cycles never repeats a cycle: seen never matches",
    R + "edge_kinds__mutmut_1": "typing.cast does nothing at run time",
    R + "redundant_edges__mutmut_6": "2 << index gives distinct bits too; only their overlaps are read",
}

#: The same for kampus/progress/services.py (`make mutants MUTANTS=progress`).
EQUIVALENT_PROGRESS: dict[str, str] = {
    S + "insert_once__mutmut_3": "populate_existing=None: the row the first look missed is not in the session",
    S + "insert_once__mutmut_4": "populate_existing=False: the same",
    S + "_get_or_create__mutmut_16": "status=None: the ORM leaves None out of the INSERT; the default fires",
    S + "_get_or_create__mutmut_17": "started_at=None: the same, and the column's default is utcnow",
    S + "_get_or_create__mutmut_20": "no status: the column's default is in_progress",
    S + "_get_or_create__mutmut_21": "no started_at: the column's default is utcnow",
    S + "_get_or_create__mutmut_27": "populate_existing=None: the row the first look missed is not in the session",
    S + "_get_or_create__mutmut_28": "populate_existing=False: the same",
    S + "log_event__mutmut_6": "created_at=None: the ORM leaves None out of the INSERT; the default utcnow fires",
    S + "log_event__mutmut_11": "no created_at: the column's default is utcnow",
    S + "_finish__mutmut_10": "synchronize_session=None: refresh(row) reloads the row right after the update",
    S + "_finish__mutmut_34": "score >= best_score: setting the same best score again changes nothing",
    S + "attempt_count__mutmut_8": "func.count(None) is COUNT(*); an attempt's id is never NULL",
    S + "draw_check__mutmut_8": "no seed: random.Random(None) seeds itself at random, as randbits does",
    S + "draw_check__mutmut_11": "randbits(65): another random seed",
    S + "module_statuses__mutmut_6": "join(Module) without ON: SQLAlchemy takes the one foreign key, the same join",
    S + "module_statuses__mutmut_8": "the same join, inferred from the foreign key",
    S + "progress_rows__mutmut_5": "the same join, inferred from the foreign key",
    S + "progress_rows__mutmut_7": "the same join, inferred from the foreign key",
    S + "learner_states__mutmut_3": "join(Module, None): the same join, inferred from the foreign key",
    S + "learner_states__mutmut_5": "the same join, inferred from the foreign key",
    S + "learner_states__mutmut_21": "no one wanted: IN () matches no row, the same empty result (one query more)",
    S + "read_draw_token__mutmut_4": "token or 'XXXX': an unsigned string fails the signature like an empty one",
    S + "read_draw_token__mutmut_12": "the ValueError's text is caught and never shown",
    S + "read_draw_token__mutmut_13": "the ValueError's text is caught and never shown",
    S + "read_draw_token__mutmut_14": "the ValueError's text is caught and never shown",
    S + "submit_self_check__mutmut_185": "score >= best_score: setting the same best score again changes nothing",
    S + "submit_self_check__mutmut_230": "an 'already' result is a study attempt: the kind's default",
    S + "submit_self_check__mutmut_254": "a study pass set the best score just above; _finish flushes it first",
    S + "submit_self_check__mutmut_258": "the same: the row already holds the best score when _finish is given none",
}

#: target → (files, equivalent mutants, the lowest acceptable score in per cent)
TARGETS: dict[str, tuple[tuple[str, ...], dict[str, str], float]] = {
    "engine": (("kampus/graph/planner.py", "kampus/graph/prereqs.py"), EQUIVALENT, 95.0),
    "progress": (("kampus/progress/services.py",), EQUIVALENT_PROGRESS, 85.0),
}

KILLED = {"killed", "timeout", "segfault", "caught by type check"}
SURVIVED = {"survived", "no tests"}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--target", choices=sorted(TARGETS), default="engine", help="what mutmut ran on")
    parser.add_argument("--min", type=float, help="the lowest acceptable score in per cent")
    args = parser.parse_args()
    files, equivalents, minimum = TARGETS[args.target]
    minimum = minimum if args.min is None else args.min
    total_killed = total_survived = unchecked = 0
    survivors: list[str] = []
    equivalent: list[str] = []
    for path in files:
        meta = pathlib.Path("mutants") / (path + ".meta")
        if not meta.exists():
            print(f"no results for {path}: run `mutmut run` first", file=sys.stderr)
            return 2
        exit_codes = json.loads(meta.read_text())["exit_code_by_key"]
        killed = survived = 0
        for name, code in sorted(exit_codes.items()):
            status = status_by_exit_code[code]
            if name in equivalents:
                equivalent.append(f"{name}: {status} (equivalent: {equivalents[name]})")
            elif status in KILLED:
                killed += 1
            elif status in SURVIVED:
                survived += 1
                survivors.append(f"{name}: {status}")
            elif status == "not checked":
                unchecked += 1
            else:
                print(f"{name}: {status} (not counted)", file=sys.stderr)
        total_killed += killed
        total_survived += survived
        print(f"{path}: {killed} killed, {survived} survived, {100 * killed / max(1, killed + survived):.1f} %")
    score = 100 * total_killed / max(1, total_killed + total_survived)
    counts = f"{total_killed} killed, {total_survived} survived, {len(equivalent)} equivalent"
    print(f"{args.target}: {counts}: {score:.1f} %")
    if unchecked:
        print(f"partial: {unchecked} mutants not checked yet (mutmut stopped before them)")
    for line in equivalent + survivors:
        print("   ", line)
    return 0 if score >= minimum else 1


if __name__ == "__main__":
    sys.exit(main())

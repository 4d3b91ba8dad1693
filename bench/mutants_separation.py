"""Mutants of the learner-separation rules (issue 14): each drops a user_id filter in
kampus/progress/services.py or ignores the learner's own progress in the lock check.
Applies each in turn, runs the given tests, restores the file and prints killed/SURVIVED.

Usage, from the repository root: python bench/mutants_separation.py tests/progress/test_separation.py
"""

import pathlib
import subprocess
import sys

p = pathlib.Path("kampus/progress/services.py")
orig = p.read_text()


def scoped(func, old, new):
    start = orig.index(f"def {func}(")
    end = orig.find("\ndef ", start + 1)
    body = orig[start:end]
    assert body.count(old) == 1, (func, old)
    return orig[:start] + body.replace(old, new) + orig[end:]


mutants = {
    "_get_or_create": scoped("_get_or_create", "Progress.user_id == user_id, ", ""),
    "submit_self_check": scoped(
        "submit_self_check",
        "existing = db.session.scalar(select(Progress).where(Progress.user_id == user_id, ",
        "existing = db.session.scalar(select(Progress).where(",
    ),
    "rate_module": scoped("rate_module", "Feedback.user_id == user_id, ", ""),
    "reflection_of": scoped("reflection_of", "Reflection.user_id == user_id, ", ""),
    "attempt_count": scoped("attempt_count", "Attempt.user_id == user_id, ", ""),
    "recent_events": scoped("recent_events", "LearningEvent.user_id == user_id, ", ""),
    "test_out_window": scoped("test_out_window", "Attempt.user_id == user_id, ", ""),
    "blockers ignores own progress": scoped("blockers", "learner_state(user_id).satisfied", "frozenset()"),
    "module_statuses ignores own progress": scoped(
        "module_statuses", "is_locked(graph, slug, satisfied)", "is_locked(graph, slug, set())"
    ),
}
results = {}
try:
    for name, text in mutants.items():
        p.write_text(text)
        r = subprocess.run(
            [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:warnings", *sys.argv[1:]],
            capture_output=True,
            text=True,
        )
        results[name] = "killed" if r.returncode != 0 else "SURVIVED"
        print(name, results[name], flush=True)
finally:
    p.write_text(orig)

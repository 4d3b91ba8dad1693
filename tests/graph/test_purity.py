"""The engine imports neither Flask nor SQLAlchemy: it runs and is benchmarked without the app."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import sys
import kampus.graph
import kampus.graph.impact, kampus.graph.layout, kampus.graph.planner
import kampus.graph.prereqs, kampus.graph.synthetic
assert 'flask' not in sys.modules, 'flask was imported'
assert 'sqlalchemy' not in sys.modules, 'sqlalchemy was imported'
print(','.join(sorted(name for name in sys.modules
                      if name.split('.')[0] in ('flask', 'sqlalchemy', 'werkzeug', 'jinja2'))))
"""


def test_importing_the_engine_imports_neither_flask_nor_sqlalchemy():
    environment = dict(os.environ, PYTHONPATH=str(ROOT))
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""

"""The model modules of the tests live in tests/models/: put them on sys.path."""

import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
MODELS = HERE / "models"
REPO = HERE.parents[2]

if str(MODELS) not in sys.path:
    sys.path.insert(0, str(MODELS))


def run_cli(*args, cwd=MODELS, env=None):
    """``python -m pgshift_sqlalchemy ARGS`` in ``cwd``; returns the CompletedProcess (bytes)."""
    full_env = dict(os.environ)
    full_env.pop("PGSHIFT_SQLALCHEMY_TRACEBACK", None)
    full_env.pop("PGSHIFT_PG_VERSION", None)
    if env:
        full_env.update(env)
    return subprocess.run(
        [sys.executable, "-m", "pgshift_sqlalchemy", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
    )

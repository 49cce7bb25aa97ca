"""The engine stays pure (docs/architecture.md): it imports nothing beyond the standard library and
jianxi.core, so it runs and is tested without a database, Django or the calendar package."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import sys
before = set(sys.modules)
import jianxi.policy.engine, jianxi.policy.workcal
allowed = ("jianxi.core", "jianxi.policy.engine", "jianxi.policy.workcal")
for name in sorted(set(sys.modules) - before):
    top = name.split(".")[0]
    if top in sys.stdlib_module_names or name in ("jianxi", "jianxi.policy") or name.startswith(allowed):
        continue
    print(name)
"""


def test_engine_imports_only_the_standard_library_and_core() -> None:
    # A fresh interpreter: this test process has Django loaded already.
    result = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True)
    assert result.stdout.split() == []

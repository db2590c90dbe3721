"""The README's Python example runs as written, and its quick start has exactly two commands."""

from __future__ import annotations

import re
from pathlib import Path

README = (Path(__file__).parents[1] / "README.md").read_text()


def test_quick_start_has_two_commands():
    block = re.search(r"^## Quick start.*?```bash\n(.*?)```", README, re.S | re.M)
    assert block is not None
    commands = [c for c in block.group(1).splitlines() if c.strip() and not c.startswith("#")]
    assert commands == ['pip install -e . && ecosystem demo',
                        'pip install -e ".[test]" && bash scripts/test.sh']
    ci = (Path(__file__).parents[1] / ".ci" / "run").read_text()
    assert commands[1] in ci  # CI runs the same test command


def test_jupyter_example_runs():
    block = re.search(r"^## In Jupyter.*?```python\n(.*?)```", README, re.S | re.M)
    assert block is not None
    code = block.group(1)
    assert len(code.strip().splitlines()) <= 10
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)
    holes = namespace["holes"]
    assert list(holes.columns) == ["constraint", "effective_size", "efficiency", "hierarchy"]
    assert len(holes) == 40

"""`make demo` keeps working: the example app through init, migrate, upgrade, downgrade, upgrade."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

DEMO = Path(__file__).parent.parent / "examples" / "demo.py"


def test_demo_walks_the_whole_workflow() -> None:
    done = subprocess.run(
        [sys.executable, str(DEMO)], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    output = done.stdout
    assert "Running upgrade" in output and "Running downgrade" in output
    assert "add_column(sa.Column('email'" in output
    # the seeds' scenario: a rename and a required column on a table with rows, nothing lost
    assert "new_column_name='fullname'" in output
    assert "1 | ada | unknown@example.com" in output and "2 | grace | unknown@example.com" in output
    assert output.count("1 | ada\n") == 2  # before the upgrade and after the downgrade
    assert output.rstrip().endswith("(No new upgrade operations detected.).")
    # what migrate writes lints clean: no error or warning at any step
    assert " error RM" not in output and " warning RM" not in output, output

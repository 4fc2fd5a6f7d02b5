"""The offline replay reads real histories to the end (issue 16, item 3).

``flask db lint --all`` replays each revision without a database; where a
revision asks what the replay cannot answer, the rest of it goes unchecked
and RM002 says so. On the real histories (``apps.LINT_HISTORIES``) that may
happen on at most 2 % of the revisions for each database. One lint process
per history and database, no server needed (``--target``); the venvs are the
leg's own. ``bench/lint_real_histories.py`` prints the same figures.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from realapps.apps import LINT_HISTORIES
from realapps.apps import AppHistory
from realapps.harness import AppUnavailable
from realapps.harness import lint_offline

MOST_STOPPED = 0.02

CASES = [
    pytest.param(history, target, id=f"{history.name}-{target}")
    for history in LINT_HISTORIES
    for target in history.backends
]


@pytest.mark.realapps
@pytest.mark.parametrize(("history", "target"), CASES)
def test_rm002_on_at_most_two_percent_of_the_revisions(
    history: AppHistory, target: str, tmp_path: Path
) -> None:
    try:
        run = lint_offline(history, target, tmp_path)
    except AppUnavailable as exc:
        pytest.skip(str(exc))
    assert len(run.revisions) == run.history.revisions  # the whole history was linted
    where = "\n".join(
        f"  {f['revision']} line {f['line']}: {f['message']}" for f in run.stopped()
    )
    assert run.stopped_share <= MOST_STOPPED, (
        f"{run.history.label} on {target}: RM002 on {run.stopped_share:.1%} of the "
        f"revisions:\n{where}"
    )

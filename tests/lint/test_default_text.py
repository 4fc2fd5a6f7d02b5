"""The SQL text of a ``server_default`` as the rules quote it (``_common.default_text``)."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from flask_remodel.lint.rules._common import default_text


@pytest.mark.parametrize(
    ("default", "text"),
    [
        (None, None),
        (False, None),
        ("x", "'x'"),
        (sa.text("now()"), "now()"),
        (sa.func.now(), "now()"),
        (sa.func.gen_random_uuid(), "gen_random_uuid()"),
        (sa.DefaultClause("0"), "'0'"),
        (sa.DefaultClause(sa.text("CURRENT_TIMESTAMP")), "CURRENT_TIMESTAMP"),
        (sa.DefaultClause(sa.func.now()), "now()"),
        (sa.literal_column("1"), "1"),
    ],
)
def test_default_text(default: Any, text: str | None) -> None:
    assert default_text(default) == text

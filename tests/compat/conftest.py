from collections.abc import Iterator
from pathlib import Path

import pytest

from projects import ProjectFactory


@pytest.fixture
def project_factory(database_url: str, tmp_path: Path) -> Iterator[ProjectFactory]:  # noqa: F811
    factory = ProjectFactory(database_url, tmp_path)
    yield factory
    factory.dispose()


from provisional_db import database_url  # noqa: E402,F401

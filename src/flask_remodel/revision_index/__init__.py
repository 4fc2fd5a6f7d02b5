"""The revision index: the graph of a migrations folder without importing its files.

See ``docs/performance.md``. Nothing here imports Alembic or SQLAlchemy; the
Alembic side (lazy ``Script`` objects built from the index) is in
:mod:`flask_remodel._alembic`.
"""

from .cache import CACHE_DIR
from .cache import HeaderCache
from .header import Header
from .header import read_header
from .index import read_headers

__all__ = ["CACHE_DIR", "Header", "HeaderCache", "read_header", "read_headers"]

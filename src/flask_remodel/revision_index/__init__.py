"""The revision index: the graph of a migrations folder without importing its files.

See ``docs/performance.md``. Nothing here imports Alembic; the Alembic side
(lazy ``Script`` objects built from the index) is in :mod:`flask_remodel._alembic`,
and the fast path's graph of a plain history in :mod:`.plain`.
"""

from .cache import CACHE_DIR as CACHE_DIR
from .cache import HeaderCache as HeaderCache
from .header import Header as Header
from .header import read_header as read_header
from .index import read_headers as read_headers

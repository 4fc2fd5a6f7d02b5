"""A migrations folder's revision graph from the index, when Alembic's settings allow it.

:func:`plain_folder_graph` lists the revision files as Alembic lists them in
the default layout (one ``versions/`` folder, not recursive, sources only),
reads their headers through the index and builds a :class:`~.graph.PlainGraph`.
It answers ``None`` whenever anything would make Alembic's view differ from
that simple picture (settings in ``alembic.ini`` that move or widen the
listing, a file the index must import, a history that is not plain), and the
caller then loads the folder through Alembic. It imports neither Alembic nor
SQLAlchemy: that is its reason to exist.
"""

from __future__ import annotations

import configparser
import os
import re
from pathlib import Path

from .cache import HeaderCache
from .graph import NotPlainHistory
from .graph import PlainGraph
from .header import Header
from .index import read_headers

# The file names Alembic's listing takes as revision sources: a copy of
# flask_remodel._alembic.revision_file_name() (Alembic's private
# ``_only_source_rev_file``), which this module cannot import; tests/seam pins the two.
_REVISION_FILE = re.compile(r"(?!\.\#|__init__)(.*\.py)$")
# alembic.ini settings that change which files are revisions, or where they live.
_LISTING_SETTINGS = ("version_locations", "recursive_version_locations", "sourceless")


def plain_folder_graph(folder: str) -> PlainGraph | None:
    """The graph of *folder* (a ``script_location``), or ``None``: ask Alembic."""
    if ":" in folder and not os.path.isabs(folder):
        return None  # "package:path", a location Alembic finds inside a package
    if not os.path.isfile(os.path.join(folder, "env.py")) or not _default_listing(folder):
        return None
    versions = Path(folder, "versions").absolute()
    try:
        paths = revision_files(versions) if versions.exists() else []
        if len(set(paths)) != len(paths):
            return None  # two names for one file: Alembic warns and skips one
        headers = read_headers(paths, HeaderCache(folder, [str(versions)]))
    except OSError:
        return None  # an unreadable or vanished file: Alembic reports it
    pairs: list[tuple[str, Header]] = []
    for path in paths:
        header = headers[path]
        if header is None:
            return None  # this file must be imported to be known
        pairs.append((path, header))
    try:
        return PlainGraph.from_headers(pairs)
    except NotPlainHistory:
        return None


def _default_listing(folder: str) -> bool:
    """Whether ``alembic.ini`` leaves the revision listing at Alembic's defaults."""
    ini = os.path.join(folder, "alembic.ini")
    if not os.path.isfile(ini):
        return False  # Alembic's behaviour without the file is left to Alembic
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(ini, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError):
        return False
    if not parser.has_section("alembic"):
        return True
    return not any(parser.has_option("alembic", name) for name in _LISTING_SETTINGS)


def revision_files(versions: Path) -> list[str]:
    """The revision sources directly in *versions*, as Alembic lists them, paths resolved.

    Alembic sorts the folder's file names, skips anything that is not a
    ``.py`` source (``__init__.py``, editor lock files ``.#name.py``) and
    resolves each path (so ``show`` prints a symlink's target).
    """
    # The directory entries already say which names are links: no extra stat per file.
    with os.scandir(versions) as entries:
        files = sorted((e.name, e.is_symlink()) for e in entries if not e.is_dir())
    real_versions = str(versions.resolve())
    found = []
    for name, is_link in files:
        if not _REVISION_FILE.match(name):
            continue
        if is_link:
            found.append(str((versions / name).resolve()))
        else:
            found.append(os.path.join(real_versions, name))
    return found

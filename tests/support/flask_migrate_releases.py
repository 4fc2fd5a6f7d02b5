"""Real Flask-Migrate releases, fetched from PyPI at test time, and the folders their ``init`` made.

Nothing of Flask-Migrate is kept in this repository: each release is downloaded
once with pip (``pip download flask-migrate==X --no-deps``, the wheel, or the
sdist for the releases that have no wheel) into a cache kept between runs, and
only its ``flask_migrate/templates/`` folder is extracted there:

    $REMODEL_TEST_CACHE, else $XDG_CACHE_HOME/flask-remodel-tests, else
    ~/.cache/flask-remodel-tests; then flask-migrate/<version>/templates/<name>/

:func:`init_folder` lays a migrations folder out the way every release's
``flask db init`` did: ``alembic.command.init(config, directory, template)``
with a ``Config`` whose ``get_template_directory()`` is that release's
templates folder (Flask-Migrate's ``Config`` subclass did exactly that), so
``alembic.ini.mako`` is rendered by Alembic and the other files are copied.

When PyPI cannot be reached the test is skipped (failed under ``CI=true``),
as for an unreachable database server.
"""

from __future__ import annotations

import contextlib
import io
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

import pytest

from support.databases import in_ci
from support.download_cache import cache_root
from support.download_cache import locked

_MARKER = ".complete"  # written last: a folder without it is a half-finished extraction




def _unavailable(version: str, reason: str) -> None:
    message = f"cannot fetch Flask-Migrate {version} from PyPI ({reason})"
    if in_ci():
        pytest.fail(f"{message} [CI=true: a missing download fails the run]", pytrace=False)
    pytest.skip(message)


def _pip_download(version: str, into: Path) -> Path:
    """The wheel of *version*, else its sdist (1.8 and 2.0 have no wheel); its path."""
    attempts = (["--only-binary", ":all:"], ["--no-binary", ":all:"])
    errors = []
    for kind in attempts:
        command = [
            sys.executable, "-m", "pip", "download", f"flask-migrate=={version}",
            "--no-deps", "--quiet", "--disable-pip-version-check", "--dest", str(into), *kind,
        ]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, timeout=300)
        found = [p for p in into.iterdir() if p.suffix in (".whl", ".gz", ".zip")]
        if done.returncode == 0 and found:
            return found[0]
        errors.append((done.stderr.strip().splitlines() or ["?"])[-1])
    _unavailable(version, "; ".join(errors))
    raise AssertionError("unreachable")  # _unavailable skips or fails


def _extract_templates(archive: Path, into: Path) -> None:
    """Copy ``flask_migrate/templates/**`` of a wheel or sdist into *into*."""
    if archive.suffix == ".whl" or archive.suffix == ".zip":
        with zipfile.ZipFile(archive) as zipped:
            members = {name: zipped.read(name) for name in zipped.namelist()}
    else:
        with tarfile.open(archive) as tarred:
            members = {}
            for member in tarred.getmembers():
                handle = tarred.extractfile(member) if member.isfile() else None
                if handle is not None:
                    members[member.name] = handle.read()
    copied = 0
    for name, data in members.items():
        # sdists put the package under "Flask-Migrate-X/"; wheels at the top.
        _, found, relative = name.partition("flask_migrate/templates/")
        if not found or not relative or relative.endswith("/") or "__pycache__" in relative:
            continue
        target = into / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        copied += 1
    if not copied:
        raise AssertionError(f"{archive.name} has no flask_migrate/templates/")




def release_templates(version: str) -> Path:
    """The ``templates`` folder of Flask-Migrate *version*, downloaded once and cached."""
    folder = cache_root() / "flask-migrate" / version
    templates = folder / "templates"
    if (folder / _MARKER).exists():
        return templates
    with locked(folder.parent / f".{version}.lock"):
        if (folder / _MARKER).exists():  # another worker fetched it meanwhile
            return templates
        shutil.rmtree(folder, ignore_errors=True)  # what an interrupted run left
        with tempfile.TemporaryDirectory(dir=folder.parent, prefix=f".{version}-") as scratch:
            work = Path(scratch)
            (work / "download").mkdir()
            archive = _pip_download(version, work / "download")
            staged = work / "release"
            _extract_templates(archive, staged / "templates")
            (staged / "source.txt").write_text(f"{archive.name}\n")
            (staged / _MARKER).write_text("")
            staged.rename(folder)
    return templates


def release_file(version: str, template: str, name: str) -> bytes:
    """One file of one template of a release (``env.py``, ``script.py.mako``...)."""
    return (release_templates(version) / template / name).read_bytes()


def init_folder(version: str, template: str, directory: Path) -> Path:
    """Lay out *directory* as ``flask db init`` of Flask-Migrate *version* did; return it.

    That ``init`` built a ``Config`` subclass whose ``get_template_directory()``
    returned its own ``templates`` folder, set ``script_location`` and
    ``config_file_name`` (``<directory>/alembic.ini``), and called
    ``command.init(config, directory, template)``.
    """
    from alembic import command
    from alembic.config import Config

    templates = release_templates(version)
    if not (templates / template).is_dir():
        raise LookupError(f"Flask-Migrate {version} has no {template!r} template")

    class ReleaseConfig(Config):
        def get_template_directory(self) -> str:
            return str(templates)

    config = ReleaseConfig()
    config.set_main_option("script_location", str(directory))
    config.config_file_name = str(directory / "alembic.ini")
    # Its "Creating directory ..." and "Generating ..." lines are not what a test reads.
    with contextlib.redirect_stdout(io.StringIO()):
        command.init(config, str(directory), template=template)
    return directory

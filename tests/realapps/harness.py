"""Run a real app's migration history with Flask-Migrate 4.1 and with Flask-Remodel.

For one application (``apps.py``) on one database server, each tool gets its
own fresh database and its own copy of the app's ``migrations/`` folder, and
runs the same ``flask db`` steps (:data:`STEPS`) as separate processes, the
way a person types them. The outcome of each step is its exit status and the
one line that says why it failed (or what it did).

The processes run in a venv per application, built once from
``requirements/<name>.txt`` and kept in the test cache::

    $REMODEL_TEST_CACHE, else $XDG_CACHE_HOME/flask-remodel-tests, else
    ~/.cache/flask-remodel-tests; then realapps/<name>-<version>-py<X.Y>-<hash>/

Those venvs hold the application and Flask-Migrate 4.1, not Flask-Remodel:
Flask-Remodel's runs put this checkout's ``src/`` on ``PYTHONPATH``, so they
always test the working tree, and Flask-Migrate's runs cannot import it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import NoReturn

import pytest
import sqlalchemy as sa

from realapps.apps import FAILED
from realapps.apps import OK
from realapps.apps import AppHistory
from support.databases import in_ci
from support.download_cache import cache_root
from support.download_cache import locked

HERE = Path(__file__).resolve().parent
SRC = HERE.parents[1] / "src"
DRIVER = HERE / "driver.py"

STEP_TIMEOUT = 600  # seconds; a hung step is a failure, not a hung test run
BUILD_TIMEOUT = 900

MIGRATE = "flask_migrate"
REMODEL = "flask_remodel"
TOOLS = (MIGRATE, REMODEL)
TOOL_NAMES = {MIGRATE: "Flask-Migrate 4.1", REMODEL: "Flask-Remodel"}
NOT_AVAILABLE = "n/a"


@dataclass(frozen=True)
class Step:
    name: str
    args: tuple[str, ...]
    remodel_only: bool = False  # Flask-Migrate has no such command


STEPS: tuple[Step, ...] = (
    Step("upgrade", ("upgrade",)),
    Step("check", ("check",)),
    Step("downgrade base", ("downgrade", "base")),
    Step("upgrade again", ("upgrade",)),
    Step("heads", ("heads",)),
    Step("history", ("history",)),
    # JSON, so that the labelled corpus (labels.py) reads the same run's findings.
    Step("lint --all", ("lint", "--all", "--format", "json"), remodel_only=True),
    Step("test", ("test",), remodel_only=True),
)


class AppUnavailable(Exception):
    """The application's venv could not be built (PyPI unreachable, a pin gone)."""


def unavailable(error: AppUnavailable) -> NoReturn:
    """Skip the test, or fail it under ``CI=true``: CI must not pass by skipping a download."""
    if in_ci():
        pytest.fail(f"{error} [CI=true: a missing download fails the run]", pytrace=False)
    pytest.skip(str(error))


# --- The venvs ----------------------------------------------------------------------------------




def _venv_dir(history: AppHistory) -> Path:
    # The pins and the interpreter decide what the venv holds: a change to either is a new venv.
    python = "{}.{}".format(*sys.version_info[:2])
    key = hashlib.sha256(history.requirements.read_bytes() + python.encode()).hexdigest()[:12]
    return cache_root() / "realapps" / f"{history.name}-{history.version}-py{python}-{key}"




def app_python(history: AppHistory) -> Path:
    """The interpreter of *history*'s venv, built on first use; :exc:`AppUnavailable` if not."""
    venv = _venv_dir(history)
    python = venv / "bin" / "python"
    done = venv / ".complete"  # written last: a venv without it is a half-finished build
    if done.exists():
        return python
    with locked(venv.with_name(venv.name + ".lock")):
        if done.exists():  # built by another run while this one waited
            return python
        shutil.rmtree(venv, ignore_errors=True)
        commands = [
            [sys.executable, "-m", "venv", str(venv)],
            [
                str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                "--no-deps", "--requirement", str(history.requirements),
            ],
        ]  # fmt: skip
        for command in commands:
            try:
                done_run = subprocess.run(
                    command, capture_output=True, text=True, timeout=BUILD_TIMEOUT
                )
            except subprocess.TimeoutExpired:
                raise AppUnavailable(f"{history.label}: {command[2]} timed out") from None
            if done_run.returncode != 0:
                lines = [line for line in done_run.stderr.splitlines() if "ignored" not in line]
                raise AppUnavailable(
                    f"cannot build the {history.label} venv ({' '.join(command[1:4])}): "
                    + (lines[-1] if lines else f"exit {done_run.returncode}")
                )
        done.write_text(history.requirements.read_text())
    return python


def migrations_source(python: Path, history: AppHistory) -> Path:
    """The ``migrations`` folder of *history*'s installed package (without importing it)."""
    done = subprocess.run(
        [
            str(python), "-c",
            "import importlib.util, sys;"
            " print(importlib.util.find_spec(sys.argv[1]).submodule_search_locations[0])",
            history.package,
        ],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    folder = Path(done.stdout.strip()) / "migrations"
    if not (folder / "env.py").is_file():
        raise AppUnavailable(f"{history.label} ships no migrations/env.py in {folder.parent}")
    return folder


# --- One step -----------------------------------------------------------------------------------


@dataclass
class Outcome:
    """What one ``flask db`` step did under one tool."""

    exit_code: int | None  # None: the tool has no such command
    message: str  # the line that says why it failed, or what it did
    seconds: float = 0.0
    output: str = ""  # stdout then stderr, for the assertion messages

    @property
    def status(self) -> str:
        if self.exit_code is None:
            return NOT_AVAILABLE
        return OK if self.exit_code == 0 else FAILED

    def cell(self, limit: int = 420) -> str:
        """The table cell: ``ok: ...`` or ``**failed** (exit N): ...``."""
        if self.exit_code is None:
            return f"n/a ({self.message})"
        head = "ok" if self.exit_code == 0 else f"**failed** (exit {self.exit_code})"
        text = " ".join(self.message.split())
        if len(text) > limit:
            # The middle goes: messages start with where it failed and end with why.
            keep = (limit - 3) // 2
            text = f"{text[:keep].rstrip()} … {text[-keep:].lstrip()}"
        text = text.replace("|", "\\|")
        return f"{head}: {text}" if text else head


_PROGRESS = re.compile(r"\[alembic\.runtime\.migration\] Running \w+ ")
_ERROR = re.compile(r"^(?:Error: |\S+ +\[[\w.]+\] Error: )")


def _last_exception(lines: list[str]) -> str | None:
    """The exception line that ends the last traceback in *lines* (its first line)."""
    starts = [i for i, line in enumerate(lines) if line.startswith("Traceback (most recent")]
    if not starts:
        return None
    for line in lines[starts[-1] + 1 :]:
        if line and not line[0].isspace():
            return line
    return None


def summarize(step: Step, exit_code: int, stdout: str, stderr: str) -> str:
    """The one line worth showing for this step's run."""
    out_lines = stdout.splitlines()
    err_lines = stderr.splitlines()
    lines = out_lines + err_lines
    if step.name == "lint --all":  # the count of findings says more than the Error line
        checked = lint_summary(stdout)
        if checked:
            return checked
    if exit_code != 0:
        errors = [line for line in lines if _ERROR.match(line)]
        if errors:
            return re.sub(r"^\S+ +\[[\w.]+\] ", "", errors[-1])
        exception = _last_exception(err_lines)
        if exception:
            return f"traceback: {exception}"
        infos = sum(1 for line in err_lines if line.startswith("INFO "))
        return f"no error message (only {infos} INFO line(s) on stderr)"
    if step.args[0] in ("upgrade", "downgrade"):
        ran = sum(1 for line in err_lines if _PROGRESS.search(line))
        return f"{ran} revision(s) run"
    if step.name == "heads":
        return "; ".join(line.strip() for line in out_lines if line.strip())
    if step.name == "history":
        return f"{sum(1 for line in out_lines if ' -> ' in line)} revision(s) listed"
    if step.name == "test":
        summary = [line for line in out_lines if re.match(r"\d+ passed", line)]
        return summary[-1] if summary else ""
    return next((line for line in reversed(out_lines) if line.strip()), "")


def lint_summary(stdout: str) -> str | None:
    """The text format's closing line (``Checked N revision(s) for ...``), told from the JSON
    report on *stdout*; None when there is no report (the lint did not get that far)."""
    try:
        report, _ = json.JSONDecoder().raw_decode(stdout[stdout.index("{") :])
    except ValueError:
        return None
    counts = Counter(finding["severity"] for finding in report["findings"])
    summary = ", ".join(
        f"{counts[s]} {s}(s)" for s in ("error", "warning", "info") if counts[s]
    ) or "no findings"
    acknowledged = len(report.get("acknowledged", []))
    ack = f", {acknowledged} acknowledged" if acknowledged else ""
    return f"Checked {len(report['revisions'])} revision(s) for {report['target']}: {summary}{ack}."


def _clean_environment() -> dict[str, str]:
    # FLASK_DB_* would change the commands and REMODEL_* the app's settings; the parent's
    # PYTHONPATH belongs to the test venv. None of them may leak into the app's venv.
    return {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("FLASK_", "REMODEL_", "PYTHON", "VIRTUAL_ENV"))
    }


def run_step(
    python: Path, history: AppHistory, tool: str, url: str, workdir: Path, step: Step
) -> Outcome:
    """Run ``flask db <step>`` for *tool* in *workdir* (which holds driver.py and migrations/)."""
    if step.remodel_only and tool == MIGRATE:
        return Outcome(None, f"Flask-Migrate has no `flask db {step.args[0]}`")
    env = _clean_environment()
    env.update(
        REALAPP=history.name,
        REALAPP_TOOL=tool,
        REALAPP_URL=url,
        REALAPP_MIGRATIONS=str(workdir / "migrations"),
        REALAPP_UPLOADS=str(workdir / "uploads"),
        PYTHONPATH=os.pathsep.join([str(workdir)] + ([str(SRC)] if tool == REMODEL else [])),
        # The app's own logging must not go through the terminal's encoding guesswork.
        PYTHONIOENCODING="utf-8",
    )
    command = [str(python), "-m", "flask", "--app", "driver", "db", *step.args]
    started = time.monotonic()
    try:
        done = subprocess.run(
            command,
            cwd=workdir,
            env=env,
            capture_output=True,
            text=True,
            timeout=STEP_TIMEOUT,
            stdin=subprocess.DEVNULL,  # `migrate` and friends must never wait for an answer
        )
    except subprocess.TimeoutExpired as expired:
        output = f"{expired.stdout or ''}{expired.stderr or ''}"
        return Outcome(124, f"timed out after {STEP_TIMEOUT} s", STEP_TIMEOUT, str(output))
    seconds = time.monotonic() - started
    message = summarize(step, done.returncode, done.stdout, done.stderr)
    return Outcome(done.returncode, message, seconds, done.stdout + done.stderr)


# --- The linter on a whole history, offline -----------------------------------------------------


@dataclass
class LintRun:
    """``flask db lint --all --format json`` on one history for one target."""

    history: AppHistory
    target: str
    revisions: list[str]
    findings: list[dict[str, object]]

    def rule_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for finding in self.findings:
            counts[str(finding["rule"])] = counts.get(str(finding["rule"]), 0) + 1
        return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))

    def stopped(self) -> list[dict[str, object]]:
        """The RM002 findings: where the replay could not read a revision to its end."""
        return [f for f in self.findings if f["rule"] == "RM002"]

    @property
    def stopped_share(self) -> float:
        stopped = {f["revision"] for f in self.stopped()}
        return len(stopped) / len(self.revisions) if self.revisions else 0.0


def lint_offline(history: AppHistory, target: str, workdir: Path) -> LintRun:
    """Lint *history*'s shipped revisions for *target* (no database: ``--target``)."""
    python = app_python(history)
    folder = workdir / f"{history.name}-{target}"
    shutil.copytree(
        migrations_source(python, history), folder / "migrations",
        ignore=shutil.ignore_patterns("__pycache__"),
    )  # fmt: skip
    shutil.copy(DRIVER, folder / "driver.py")
    (folder / "uploads").mkdir()
    step = Step("lint --all", ("lint", "--all", "--target", target, "--format", "json"))
    # The app only needs a URL to start; the lint itself connects to nothing.
    outcome = run_step(python, history, REMODEL, "sqlite://", folder, step)
    # Some revisions print as they run: the report is the JSON document after that.
    start = outcome.output.find('{\n  "target"')
    if start < 0:
        raise AssertionError(f"{history.label}, {target}: no lint report in\n{outcome.output}")
    report, _ = json.JSONDecoder().raw_decode(outcome.output[start:])
    return LintRun(history, target, list(report["revisions"]), list(report["findings"]))


# --- One history on one database ----------------------------------------------------------------


@dataclass
class HistoryRun:
    """Both tools' outcomes for one application on one database."""

    history: AppHistory
    backend: str
    outcomes: dict[str, dict[str, Outcome]] = field(default_factory=dict)  # tool -> step -> ...
    seconds: float = 0.0

    def outcome(self, tool: str, step: str) -> Outcome:
        return self.outcomes[tool][step]

    def mismatches(self) -> list[str]:
        """The steps both tools ran whose success or failure differs."""
        found = []
        for step in STEPS:
            migrate, remodel = self.outcome(MIGRATE, step.name), self.outcome(REMODEL, step.name)
            if migrate.status != NOT_AVAILABLE and migrate.status != remodel.status:
                found.append(step.name)
        return found


def app_url(history: AppHistory, url: str) -> str:
    """*url* with the PostgreSQL driver that *history*'s SQLAlchemy has."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "postgresql":
        parsed = parsed.set(drivername=f"postgresql+{history.pg_driver}")
    return parsed.render_as_string(hide_password=False)


def run_history(
    history: AppHistory, backend: str, urls: dict[str, str], workdir: Path
) -> HistoryRun:
    """Every step of :data:`STEPS` with each tool, on its own database from *urls* (tool -> URL)."""
    started = time.monotonic()
    python = app_python(history)
    source = migrations_source(python, history)
    result = HistoryRun(history, backend)
    for tool in TOOLS:
        folder = _workdir(source, workdir / tool)
        url = app_url(history, urls[tool])
        result.outcomes[tool] = {
            step.name: run_step(python, history, tool, url, folder, step) for step in STEPS
        }
    LINT_OUTCOMES[(history.name, backend)] = result.outcome(REMODEL, LINT_STEP.name)
    result.seconds = time.monotonic() - started
    return result


def _workdir(source: Path, folder: Path) -> Path:
    """*folder* with a copy of the migrations in *source*, the driver and an uploads folder.

    A copy per run: no tool sees another's bytecode or Flask-Remodel's header cache, and
    the installed package stays as pip left it.
    """
    shutil.copytree(source, folder / "migrations", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(DRIVER, folder / "driver.py")
    (folder / "uploads").mkdir()
    return folder


LINT_STEP = next(step for step in STEPS if step.name == "lint --all")

LINT_OUTCOMES: dict[tuple[str, str], Outcome] = {}
"""Flask-Remodel's ``lint --all`` of each (application, backend) :func:`run_history` ran in
this process: the labelled-corpus test reads it rather than linting the history again."""


def lint_history(history: AppHistory, backend: str, url: str, workdir: Path) -> Outcome:
    """Flask-Remodel's ``lint --all`` (JSON) of *history* on *backend*, run once per process."""
    done = LINT_OUTCOMES.get((history.name, backend))
    if done is None:
        python = app_python(history)
        folder = _workdir(migrations_source(python, history), workdir / "lint")
        done = run_step(python, history, REMODEL, app_url(history, url), folder, LINT_STEP)
        LINT_OUTCOMES[(history.name, backend)] = done
    return done


# --- The table ----------------------------------------------------------------------------------


def table(runs: list[HistoryRun]) -> str:
    """The side-by-side Markdown table of *runs*."""
    rows = [
        f"| app | database | step | {TOOL_NAMES[MIGRATE]} | {TOOL_NAMES[REMODEL]} | same outcome |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for run in runs:
        mismatched = set(run.mismatches())
        for step in STEPS:
            migrate, remodel = run.outcome(MIGRATE, step.name), run.outcome(REMODEL, step.name)
            if migrate.status == NOT_AVAILABLE:
                same = "n/a"
            else:
                same = "**no**" if step.name in mismatched else "yes"
            rows.append(
                f"| {run.history.label} | {run.backend} | `{step.name}` "
                f"| {migrate.cell()} | {remodel.cell()} | {same} |"
            )
    return "\n".join(rows)

"""What the user decided about changes autogenerate cannot tell apart on its own.

A dropped column next to an added one may be a rename; a new required column
on a table with rows needs a value for those rows. The API takes the answers
up front (mappings) and, for anything not answered, an optional ``decide``
callback that asks (the CLI asks, reading the answers from the terminal or
piped stdin). With no callback nothing is assumed: no rename is guessed and a
missing value is an error. A callback that has no answer for a possible
rename (``None``: end of input, ``--no-input``) stops ``migrate`` before it
writes anything, since guessing either way could lose data.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field

from ..errors import AutogenerateError
from ..errors import RenameUndecidedError


@dataclass(frozen=True)
class ColumnRename:
    """Is ``table.old`` now called ``table.new``?"""

    table: str
    old: str
    new: str

    def __str__(self) -> str:
        return f"Did you rename {self.table}.{self.old} to {self.table}.{self.new}?"


@dataclass(frozen=True)
class TableRename:
    """Is table ``old`` now called ``new``?"""

    old: str
    new: str

    def __str__(self) -> str:
        return f"Did you rename table {self.old} to {self.new}?"


@dataclass(frozen=True)
class FillValue:
    """Which value should existing rows get in the required column ``table.column``?"""

    table: str
    column: str
    type_name: str
    rows: int

    def __str__(self) -> str:
        return (
            f"{self.table}.{self.column} ({self.type_name}) is required and has no server "
            f"default; {self.rows} existing row(s) need a value. One-off value for them"
        )


Question = ColumnRename | TableRename | FillValue
Decide = Callable[[Question], "bool | str | None"]
"""Answers a question: ``True``/``False`` for renames (``None``: no answer, so
nothing is written), a value (or ``None``: none) for fills."""


def _split(option: str, text: str, dotted: bool) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    name, value = name.strip(), value.strip()
    if not sep or not name or (not value and dotted and option == "--rename"):
        raise AutogenerateError(_bad(option, text))
    if dotted and name.count(".") != 1:
        raise AutogenerateError(_bad(option, text))
    return name, value


def _bad(option: str, text: str) -> str:
    form = {
        "--rename": "TABLE.OLD=NEW (for example user.username=fullname)",
        "--rename-table": "OLD=NEW (for example users=members)",
        "--default": 'TABLE.COLUMN=VALUE (for example user.email="unknown@example.com")',
    }[option]
    return f"{option} {text!r} is not of the form {form}: fix the option and run again."


def _value(raw: str) -> str:
    # A value given quoted on the command line keeps its text inside the quotes.
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "\"'":
        return raw[1:-1]
    return raw


@dataclass
class Decisions:
    """Answers given in advance, plus whom to ask about the rest."""

    column_renames: dict[tuple[str, str], str] = field(default_factory=dict)
    table_renames: dict[str, str] = field(default_factory=dict)
    fill_values: dict[tuple[str, str], str] = field(default_factory=dict)
    decide: Decide | None = None
    used: set[object] = field(default_factory=set)
    """Keys of the answers above that matched a change (the rest are reported)."""
    undecided: list[ColumnRename | TableRename] = field(default_factory=list)
    """Possible renames *decide* had no answer for."""

    @classmethod
    def build(
        cls,
        renames: Mapping[str, str] | Iterable[str] | None = None,
        table_renames: Mapping[str, str] | Iterable[str] | None = None,
        defaults: Mapping[str, str] | Iterable[str] | None = None,
        decide: Decide | None = None,
    ) -> Decisions:
        """From ``{"user.username": "fullname"}`` or ``["user.username=fullname"]`` forms."""
        made = cls(decide=decide)
        for name, value in _pairs("--rename", renames, dotted=True):
            table, column = name.split(".")
            made.column_renames[(table, column)] = value
        for name, value in _pairs("--rename-table", table_renames, dotted=False):
            if not value:
                raise AutogenerateError(_bad("--rename-table", f"{name}="))
            made.table_renames[name] = value
        for name, value in _pairs("--default", defaults, dotted=True):
            table, column = name.split(".")
            made.fill_values[(table, column)] = _value(value)
        return made

    def is_renamed_column(self, question: ColumnRename) -> bool:
        key = (question.table, question.old)
        if key in self.column_renames:
            if self.column_renames[key] != question.new:
                return False
            self.used.add(("column", key))
            return True
        return self._ask_rename(question)

    def is_renamed_table(self, question: TableRename) -> bool:
        if question.old in self.table_renames:
            if self.table_renames[question.old] != question.new:
                return False
            self.used.add(("table", question.old))
            return True
        return self._ask_rename(question)

    def _ask_rename(self, question: ColumnRename | TableRename) -> bool:
        if self.decide is None:
            return False
        answer = self.decide(question)
        if answer is None:
            # Every candidate is still offered, so the error names them all at once.
            self.undecided.append(question)
            return False
        return bool(answer)

    def require_answers(self) -> None:
        """Raise :class:`RenameUndecidedError` when a possible rename had no answer."""
        if self.undecided:
            raise RenameUndecidedError([_candidate(q) for q in self.undecided])

    def fill_value(self, question: FillValue) -> str | None:
        key = (question.table, question.column)
        if key in self.fill_values:
            self.used.add(("default", key))
            return self.fill_values[key]
        if self.decide is None:
            return None
        answer = self.decide(question)
        return None if answer is None or answer is False else str(answer)

    def unused(self) -> list[str]:
        """Answers given in advance that matched no change (probably a typo)."""
        left = [
            f"--rename {t}.{c}={n}" for (t, c), n in self.column_renames.items()
            if ("column", (t, c)) not in self.used
        ]
        left += [
            f"--rename-table {o}={n}" for o, n in self.table_renames.items()
            if ("table", o) not in self.used
        ]
        left += [
            f"--default {t}.{c}={v}" for (t, c), v in self.fill_values.items()
            if ("default", (t, c)) not in self.used
        ]
        return left


def _candidate(question: ColumnRename | TableRename) -> tuple[str, str, str]:
    """(old, new, the option that says it was a rename)."""
    if isinstance(question, ColumnRename):
        table, old, new = question.table, question.old, question.new
        return f"{table}.{old}", f"{table}.{new}", f"--rename {table}.{old}={new}"
    return f"table {question.old}", question.new, f"--rename-table {question.old}={question.new}"


def _pairs(
    option: str, given: Mapping[str, str] | Iterable[str] | None, dotted: bool
) -> list[tuple[str, str]]:
    if given is None:
        return []
    if isinstance(given, Mapping):
        texts = [f"{k}={v}" for k, v in given.items()]
    else:
        texts = list(given)
    return [_split(option, text, dotted) for text in texts]

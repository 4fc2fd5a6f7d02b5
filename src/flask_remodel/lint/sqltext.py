"""Raw SQL from ``op.execute``: split into statements and read what each does.

A small tokenizer (comments, quotes and PostgreSQL dollar quotes aware) splits
the text. Each statement is then read by the first :class:`Shape` of
:data:`STATEMENTS` whose pattern matches its start: a shape is one statement
kind, a regular expression with named groups and a small builder that turns
the match into operations. ``ALTER TABLE`` reads each of its comma-separated
actions the same way through :data:`ALTER_TABLE_ACTIONS`, and ``ADD
[CONSTRAINT name] ...`` through :data:`ADDED_CONSTRAINTS`. The tables are
tried in order, so a shape that must win over a looser one comes first (``DROP
PRIMARY KEY`` before ``DROP [COLUMN] name``).

Statements that have an Alembic equivalent become that Alembic operation, so
the same rules judge ``op.create_index(...)`` and ``op.execute("CREATE INDEX
...")``; the rest become a :class:`SqlStatement` with a ``kind`` the SQL-level
rules read. Statements no shape recognises are kept as kind ``unknown`` (rule
RM503 asks for them to be checked by a person), ``ALTER TABLE`` actions as
``alter_table_other``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from typing import Any

import sqlalchemy as sa
from alembic.operations import ops
from sqlalchemy.dialects import postgresql


@dataclass
class SqlStatement:
    """A raw statement with no Alembic operation equivalent."""

    kind: str
    text: str
    table: str | None = None
    name: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class ParsedStatement:
    text: str
    operation: Any


# -- splitting ---------------------------------------------------------------

_TOKENS = re.compile(
    r"""
    (?P<line_comment>--[^\n]*)
    |(?P<block_comment>/\*(?:.*?\*/|.*))
    |(?P<quoted>'(?:''|[^'])*'?|"(?:""|[^"])*"?|`(?:``|[^`])*`?)
    |(?P<dollar_quoted>(?P<tag>\$[A-Za-z_]*\$)(?:.*?(?P=tag)|.*))
    |(?P<semicolon>;)
    |(?P<other>[^-/'"`$;]+|.)
    """,
    re.S | re.X,
)
"""One token at a time: an unterminated comment or quote runs to the end."""


_COMPOUND_OWNER = re.compile(
    r"^\s*CREATE\b[^;]*?\b(?:TRIGGER|PROCEDURE|FUNCTION|EVENT)\b", re.I | re.S
)
_BLOCK_WORD = re.compile(r"\b(?:(BEGIN|CASE)|END(\s+(?:IF|LOOP|WHILE|REPEAT|CASE)\b)?)\b", re.I)


def _block_depth(depth: int, token: str, statement: str) -> int:
    """*depth* after *token*: BEGIN ... END (and CASE ... END) blocks of a routine body.

    A MariaDB/MySQL trigger or routine body is one statement with semicolons
    inside ``BEGIN ... END``; ``END IF`` / ``END LOOP`` close no block.
    """
    if not _COMPOUND_OWNER.match(statement):
        return depth
    for match in _BLOCK_WORD.finditer(token):
        if match[1]:
            depth += 1
        elif match[2] is None or match[2].split()[-1].upper() == "CASE":
            depth = max(depth - 1, 0)
    return depth


def split_statements(text: str) -> list[str]:
    """Statements in *text*, comments removed, split on top-level semicolons."""
    statements: list[str] = []
    current: list[str] = []
    depth = 0
    for token in _TOKENS.finditer(text):
        kind = token.lastgroup
        if kind == "semicolon" and depth:
            current.append(";")
        elif kind == "semicolon":
            statements.append("".join(current))
            current = []
        elif kind == "block_comment":
            current.append(" ")
        elif kind != "line_comment":
            current.append(token.group())
            if kind == "other" and (depth or _BLOCK_WORD.search(token.group())):
                depth = _block_depth(depth, token.group(), "".join(current))
    statements.append("".join(current))
    return [" ".join(s.split()) for s in statements if s.strip()]


# -- names, column lists, types ------------------------------------------------

_IDENT = r'(?:"[^"]+"|`[^`]+`|[\w$]+)(?:\.(?:"[^"]+"|`[^`]+`|[\w$]+))?'


def _name(text: str) -> str:
    """An identifier without quotes and without its schema."""
    last: str = re.findall(r'"[^"]+"|`[^`]+`|[\w$]+', text)[-1]
    return last.strip('"`')


def _split_top(text: str, sep: str = ",") -> list[str]:
    """Split *text* on *sep* outside parentheses and quotes."""
    parts, depth, start, quote = [], 0, 0, ""
    for i, ch in enumerate(text):
        if quote:
            if ch == quote:
                quote = ""
            continue
        if ch in "'\"`":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == sep and depth == 0:
            parts.append(text[start:i].strip())
            start = i + 1
    parts.append(text[start:].strip())
    return [p for p in parts if p]


def _columns(text: str) -> list[str]:
    return [_name(part.split()[0]) for part in _split_top(text) if part.split()]


def _numeric(m: re.Match[str]) -> Any:
    precision = int(m[1]) if m[1] else None
    scale = int(m[2]) if m[2] else (0 if precision else None)
    return sa.Numeric(precision, scale)


_SIMPLE_TYPES: list[tuple[str, Any]] = [
    (r"bigserial|serial8", sa.BigInteger),
    (r"smallserial|serial2", sa.SmallInteger),
    (r"serial|serial4", sa.Integer),
    (r"bigint|int8", sa.BigInteger),
    (r"smallint|int2|tinyint", sa.SmallInteger),
    (r"integer|int|int4|mediumint", sa.Integer),
    (r"text|longtext|mediumtext", sa.Text),
    (r"jsonb", postgresql.JSONB),
    (r"json", sa.JSON),
    (r"boolean|bool", sa.Boolean),
    (r"date", sa.Date),
    (r"double precision|float8|real|float4|float|double", sa.Float),
]

_TYPES: list[tuple[str, Callable[[re.Match[str]], Any]]] = [
    (
        r"(?:character varying|varchar|nvarchar)\s*\(\s*(\d+)\s*\)",
        lambda m: sa.String(int(m[1])),
    ),
    (r"(?:character|char|nchar)\s*\(\s*(\d+)\s*\)", lambda m: sa.CHAR(int(m[1]))),
    (r"(?:numeric|decimal)\s*(?:\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\))?", _numeric),
    (r"timestamptz|timestamp(\s*\(\d+\))?\s+with time zone", lambda m: sa.DateTime(True)),
    (r"timestamp|datetime", lambda m: sa.DateTime()),
    (r"varchar\b|character varying\b", lambda m: sa.String()),
    *[(rf"(?:{spelled})\b", lambda m, t=type_: t()) for spelled, type_ in _SIMPLE_TYPES],
]
"""SQL type spellings, first match wins: the sized ones, then plain names (compiled by
:mod:`re`'s own cache on first use, not at import)."""


class NamedSqlType(sa.types.NullType):
    """A type the SQL names but the reader cannot know (an enum or domain made elsewhere).

    Still unknown to the rules (a ``NullType``), but messages name it: ``named type
    'mood'`` tells the reader which type, where ``NullType()`` told nothing.
    """

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name

    def __repr__(self) -> str:
        return f"named type {self.name!r}"


_TYPE_NAME = re.compile(rf"\s*({_IDENT})")


def sql_type(text: str) -> Any:
    """A SQLAlchemy type for the SQL type spelled at the start of *text* (NullType if unknown)."""
    lowered = text.strip().lower()
    for pattern, build in _TYPES:
        m = re.match(pattern, lowered)
        if m is not None:
            return build(m)
    named = _TYPE_NAME.match(text)
    return NamedSqlType(_name(named.group(1))) if named else sa.types.NullType()


# -- a column definition (ADD COLUMN, MODIFY, CHANGE) -------------------------

_DEFAULT = re.compile(r"\bDEFAULT\s+((?:\([^;]*?\)|'[^']*'|[^\s,()]+(?:\([^)]*\))?))", re.I)
_NOT_NULL = re.compile(r"\bNOT\s+NULL\b|\bPRIMARY\s+KEY\b", re.I)
_SERIAL = re.compile(r"\s*(?:big|small)?serial\d?\b", re.I)
_AUTOINCREMENT = re.compile(
    r"\bAUTO_INCREMENT\b|\bGENERATED\s+(?:ALWAYS|BY\s+DEFAULT)\s+AS\s+IDENTITY\b", re.I
)
_GENERATED = re.compile(r"\bGENERATED\s+ALWAYS\s+AS\s*\(|\bAS\s*\(", re.I)
_STORED = re.compile(r"\bSTORED\b|\bPERSISTENT\b", re.I)
_POSITIONED = re.compile(r"\b(?:FIRST|AFTER\s+\S+)\s*$", re.I)


def _column_info(rest: str) -> dict[str, Any]:
    """What ``Column.info`` records of the SQL after the column name."""
    info: dict[str, Any] = {"sql": rest}
    if _SERIAL.match(rest) or _AUTOINCREMENT.search(rest):
        info["autoincrement"] = True
    if _GENERATED.search(rest):
        info["generated"] = "stored" if _STORED.search(rest) else "virtual"
    if _POSITIONED.search(rest):
        info["positioned"] = True
    return info


def _column_from(definition: str) -> sa.Column[Any]:
    """An ``sa.Column`` for ``name type [constraints]`` in an ADD COLUMN."""
    name_match = re.match(rf"({_IDENT})\s+(.*)$", definition, re.S)
    if name_match is None:
        return sa.Column(_name(definition), sa.types.NullType())
    name, rest = _name(name_match.group(1)), name_match.group(2)
    default = _DEFAULT.search(rest)
    column: sa.Column[Any] = sa.Column(
        name,
        sql_type(rest),
        nullable=not _NOT_NULL.search(rest),
        server_default=sa.text(default.group(1)) if default else None,
    )
    column.info.update(_column_info(rest))
    return column


# -- the shape table machinery -----------------------------------------------


@dataclass(frozen=True)
class Scope:
    """What a builder knows besides its match: the statement, and where inside it we are."""

    text: str
    """The whole statement (what a :class:`SqlStatement` keeps)."""
    table: str = ""
    """Inside ``ALTER TABLE``: the table."""
    constraint: str | None = None
    """Inside ``ADD [CONSTRAINT name] ...``: the name, if given."""
    not_valid: bool = False
    """Inside ``ADD ...``: whether it says ``NOT VALID``."""


Built = list[Any]
Builder = Callable[[re.Match[str], Scope], Built | None]


@dataclass(frozen=True)
class Shape:
    """One statement kind: a pattern matched at the start of the text, and its builder.

    The builder returns the operations, or ``None`` to pass the text on to the
    next shape of the table. Patterns compile on first use: most processes that
    import the linter (an upgrade whose revisions hold no SQL text) never read
    SQL, and compiling the tables cost a fifth of the linter's import time.
    """

    kind: str
    source: str
    build: Builder
    unless_source: str | None = None
    """A look-alike this shape leaves to the shapes after it."""

    @functools.cached_property
    def pattern(self) -> re.Pattern[str]:
        return re.compile(self.source, _SHAPE_FLAGS)

    @functools.cached_property
    def unless(self) -> re.Pattern[str] | None:
        return None if self.unless_source is None else re.compile(self.unless_source, _SHAPE_FLAGS)

    def read(self, text: str, scope: Scope) -> Built | None:
        m = self.pattern.match(text)
        if m is None or (self.unless is not None and self.unless.match(text)):
            return None
        return self.build(m, scope)


_SHAPE_FLAGS = re.I | re.S


def shape(kind: str, pattern: str, build: Builder, unless: str | None = None) -> Shape:
    """A :class:`Shape`; patterns are case-insensitive, ``{I}`` stands for an identifier."""
    return Shape(kind, pattern.replace("{I}", _IDENT), build, unless)


def read_first(shapes: Sequence[Shape], text: str, scope: Scope) -> Built | None:
    """The operations of the first shape of *shapes* that reads *text*."""
    for candidate in shapes:
        built = candidate.read(text, scope)
        if built is not None:
            return built
    return None


# -- builders: CREATE/DROP INDEX, tables, schemas, maintenance ----------------


def _create_index(m: re.Match[str], at: Scope) -> Built:
    kw: dict[str, Any] = {"postgresql_concurrently": True} if m["concurrently"] else {}
    return [
        ops.CreateIndexOp(
            _name(m["name"]) if m["name"] else None,
            _name(m["table"]),
            _columns(m["columns"].split(")")[0]),
            unique=bool(m["unique"]),
            if_not_exists=bool(m["if_not_exists"]) or None,
            **kw,
        )
    ]


def _drop_index(m: re.Match[str], at: Scope) -> Built:
    kw: dict[str, Any] = {"postgresql_concurrently": True} if m["concurrently"] else {}
    table = _name(m["table"]) if m["table"] else None
    return [ops.DropIndexOp(_name(m["name"]), table, if_exists=bool(m["if_exists"]) or None, **kw)]


def _alter_table(m: re.Match[str], at: Scope) -> Built:
    inside = replace(at, table=_name(m["table"]))
    found: Built = []
    for action in _split_top(m["actions"]):
        built = read_first(ALTER_TABLE_ACTIONS, action.strip(), inside)
        if built is None:
            built = [SqlStatement("alter_table_other", at.text, inside.table)]
        found.extend(built)
    return found


def _rename_table(m: re.Match[str], at: Scope) -> Built:
    return [ops.RenameTableOp(_name(m["old"]), _name(m["new"]))]


def _drop_table(m: re.Match[str], at: Scope) -> Built:
    return [ops.DropTableOp(_name(part)) for part in _split_top(m["tables"])]


def _create_table(m: re.Match[str], at: Scope) -> Built:
    return [ops.CreateTableOp(_name(m["table"]), [])]


_TRUNCATE_OPTIONS = re.compile(
    r"\s+(?:CASCADE|RESTRICT|RESTART IDENTITY|CONTINUE IDENTITY).*$", re.I
)


def _truncate(m: re.Match[str], at: Scope) -> Built:
    cascade = bool(re.search(r"\bCASCADE\s*$", at.text, re.I))
    names = _TRUNCATE_OPTIONS.sub("", m["tables"])
    table = _name(names.split(",")[0])
    return [SqlStatement("truncate", at.text, table, None, {"cascade": cascade})]


def _drop_schema(m: re.Match[str], at: Scope) -> Built:
    details = {"what": m["what"].lower()}
    return [SqlStatement("drop_schema", at.text, None, _name(m["name"]), details)]


def _rename_schema(m: re.Match[str], at: Scope) -> Built:
    details = {"new": _name(m["new"])}
    return [SqlStatement("rename_schema", at.text, None, _name(m["name"]), details)]


def _reindex(m: re.Match[str], at: Scope) -> Built:
    details = {"concurrently": bool(m["concurrently"]), "what": m["what"].lower()}
    return [SqlStatement("reindex", at.text, None, _name(m["name"]), details)]


def _rewrite_maintenance(m: re.Match[str], at: Scope) -> Built:
    target = re.findall(_IDENT, re.sub(r"\(.*?\)", "", at.text))
    table = _name(target[-1]) if len(target) > 1 else None
    return [SqlStatement("rewrite_maintenance", at.text, table)]


# -- builders: enums, transactions, settings, data ---------------------------


def _enum_add_value(m: re.Match[str], at: Scope) -> Built:
    positioned = bool(re.search(r"\b(BEFORE|AFTER)\b", m["rest"], re.I))
    details = {"value": m["value"], "positioned": positioned}
    return [SqlStatement("enum_add_value", at.text, None, _name(m["name"]), details)]


def _enum_rename_value(m: re.Match[str], at: Scope) -> Built:
    return [SqlStatement("enum_rename_value", at.text, None, _name(m["name"]))]


def _set(m: re.Match[str], at: Scope) -> Built:
    return [SqlStatement("set", at.text, None, m["name"].lower())]


_UPDATE_SETS = re.compile(r"\bSET\s+(?P<sets>.*?)(?:\s+(?:WHERE|FROM|RETURNING)\b|$)", re.I | re.S)


def _dml(m: re.Match[str], at: Scope) -> Built:
    verb = m["verb"].split()[0].upper()
    details: dict[str, Any] = {"verb": verb}
    sets = _UPDATE_SETS.search(at.text, m.end()) if verb == "UPDATE" else None
    if sets is not None:
        # The columns an UPDATE writes, for rules that ask whether it only fills new ones.
        targets = [part.split("=", 1)[0] for part in _split_top(sets["sets"]) if "=" in part]
        # SET (a, b) = (...) writes each column of the list.
        details["sets"] = tuple(
            _name(name) for target in targets for name in target.strip().strip("()").split(",")
        )
    return [SqlStatement("dml", at.text, _name(m["table"]), None, details)]


def _kind(kind: str) -> Builder:
    """A builder for statements whose kind is all the rules need."""

    def build(m: re.Match[str], at: Scope) -> Built:
        return [SqlStatement(kind, at.text)]

    return build


# -- builders: ALTER TABLE actions -------------------------------------------


def _add_constraint(m: re.Match[str], at: Scope) -> Built | None:
    name = _name(m["name"]) if m["name"] else None
    not_valid = bool(re.search(r"\bNOT\s+VALID\b", m["body"], re.I))
    inside = replace(at, constraint=name, not_valid=not_valid)
    return read_first(ADDED_CONSTRAINTS, m["body"], inside)


def _add_column(m: re.Match[str], at: Scope) -> Built:
    return [ops.AddColumnOp(at.table, _column_from(m["definition"]))]


def _drop_constraint(m: re.Match[str], at: Scope) -> Built:
    kind = "foreignkey" if m["what"].upper().startswith("FOREIGN") else None
    return [ops.DropConstraintOp(_name(m["name"]), at.table, type_=kind)]


def _drop_table_index(m: re.Match[str], at: Scope) -> Built:
    return [ops.DropIndexOp(_name(m["name"]), at.table)]


def _drop_primary_key(m: re.Match[str], at: Scope) -> Built:
    return [ops.DropConstraintOp("PRIMARY", at.table, type_="primary")]


def _drop_column(m: re.Match[str], at: Scope) -> Built:
    return [ops.DropColumnOp(at.table, _name(m["name"]))]


def _rename_to(m: re.Match[str], at: Scope) -> Built:
    return [ops.RenameTableOp(at.table, _name(m["new"]))]


def _rename_column(m: re.Match[str], at: Scope) -> Built:
    return [ops.AlterColumnOp(at.table, _name(m["old"]), modify_name=_name(m["new"]))]


def _alter_column_type(m: re.Match[str], at: Scope) -> Built:
    return [ops.AlterColumnOp(at.table, _name(m["column"]), modify_type=sql_type(m["type"]))]


def _alter_column_null(m: re.Match[str], at: Scope) -> Built:
    nullable = m["verb"].upper() == "DROP"
    return [ops.AlterColumnOp(at.table, _name(m["column"]), modify_nullable=nullable)]


def _alter_column_default(m: re.Match[str], at: Scope) -> Built:
    return [SqlStatement("set_default", at.text, at.table, _name(m["column"]))]


def _modify_column(m: re.Match[str], at: Scope) -> Built:
    """MySQL: ``MODIFY c type [NOT NULL]`` / ``CHANGE old new type``."""
    old, rest, new = _name(m["column"]), m["rest"], None
    if m["verb"].upper() == "CHANGE":
        parts = rest.split(None, 1)
        new, rest = _name(parts[0]), parts[1] if len(parts) > 1 else ""
    column = _column_from(f"x {rest}")
    return [
        ops.AlterColumnOp(
            at.table,
            old,
            modify_type=column.type,
            modify_nullable=column.nullable,
            modify_name=new if new != old else None,
        )
    ]


def _validate_constraint(m: re.Match[str], at: Scope) -> Built:
    return [SqlStatement("validate_constraint", at.text, at.table, _name(m["name"]))]


def _detach_partition(m: re.Match[str], at: Scope) -> Built:
    details = {"concurrently": bool(re.search(r"\bCONCURRENTLY\b", m["rest"], re.I))}
    return [SqlStatement("detach_partition", at.text, at.table, _name(m["name"]), details)]


def _mysql_alter_option(m: re.Match[str], at: Scope) -> Built:
    details = {"option": m["option"].upper(), "value": m["value"].upper()}
    return [SqlStatement("mysql_alter_option", at.text, at.table, details=details)]


# -- builders: ADD [CONSTRAINT name] ... -------------------------------------


def _check(m: re.Match[str], at: Scope) -> Built:
    condition = re.sub(r"\s+NOT\s+VALID\s*$", "", m["condition"].strip(), flags=re.I)
    if condition.startswith("("):
        condition = condition.strip()[1:-1]
    return [
        ops.CreateCheckConstraintOp(
            at.constraint, at.table, sa.text(condition), postgresql_not_valid=at.not_valid
        )
    ]


def _foreign_key(m: re.Match[str], at: Scope) -> Built:
    kw: dict[str, Any] = {"postgresql_not_valid": at.not_valid}
    on_delete = re.search(r"ON\s+DELETE\s+(CASCADE|SET\s+NULL|RESTRICT)", m["rest"], re.I)
    if on_delete:
        kw["ondelete"] = on_delete.group(1).upper()
    local, remote = _columns(m["columns"]), _columns(m["referred_columns"])
    referred = _name(m["referred"])
    return [ops.CreateForeignKeyOp(at.constraint, at.table, referred, local, remote, **kw)]


def _unique(m: re.Match[str], at: Scope) -> Built:
    return [ops.CreateUniqueConstraintOp(at.constraint, at.table, _columns(m["columns"]))]


def _primary_key(m: re.Match[str], at: Scope) -> Built:
    return [ops.CreatePrimaryKeyOp(at.constraint, at.table, _columns(m["columns"]))]


def _table_kind(kind: str) -> Builder:
    """A builder for a constraint the rules read as a :class:`SqlStatement` of *kind*."""

    def build(m: re.Match[str], at: Scope) -> Built:
        return [SqlStatement(kind, at.text, at.table, at.constraint)]

    return build


def _add_index(m: re.Match[str], at: Scope) -> Built:
    """MySQL's ``ALTER TABLE ... ADD [UNIQUE] INDEX name (...)``."""
    unique = bool(m["unique"])
    return [ops.CreateIndexOp(_name(m["name"]), at.table, _columns(m["columns"]), unique=unique)]


# -- the tables ---------------------------------------------------------------

ADDED_CONSTRAINTS: tuple[Shape, ...] = (
    shape("check", r"CHECK(?P<condition>.*)$", _check),
    shape(
        "foreign_key",
        r"FOREIGN\s+KEY\s*\((?P<columns>.*?)\)\s*REFERENCES\s+(?P<referred>{I})"
        r"\s*\((?P<referred_columns>.*?)\)(?P<rest>.*)$",
        _foreign_key,
    ),
    shape(
        "add_constraint_using_index",
        r"(?:UNIQUE|PRIMARY\s+KEY)\s+USING\s+INDEX",
        _table_kind("add_constraint_using_index"),
    ),
    shape("unique", r"UNIQUE(?:\s+KEY|\s+INDEX)?\s*(?:{I}\s*)?\((?P<columns>.*)\)", _unique),
    shape("primary_key", r"PRIMARY\s+KEY\s*\((?P<columns>.*)\)", _primary_key),
    shape("add_exclusion", r"EXCLUDE", _table_kind("add_exclusion")),
    shape(
        "index",
        r"(?P<unique>UNIQUE\s+)?(?:INDEX|KEY)\s+(?P<name>{I})\s*\((?P<columns>.*)\)",
        _add_index,
    ),
)
"""``ADD [CONSTRAINT name] <body>``, read on the body; none matching: an added column."""

_COLUMN = r"ALTER\s+(?:COLUMN\s+)?(?P<column>{I})\s+"

ALTER_TABLE_ACTIONS: tuple[Shape, ...] = (
    shape(
        "add_constraint",
        r"ADD\s+(?:CONSTRAINT\s+(?P<name>{I})\s+)?(?P<body>.*)$",
        _add_constraint,
        unless=r"ADD\s+COLUMN\b",
    ),
    shape(
        "add_column",
        r"ADD\s+(?:COLUMN\s+)?(?:IF\s+NOT\s+EXISTS\s+)?(?P<definition>.*)$",
        _add_column,
    ),
    shape(
        "drop_constraint",
        r"DROP\s+(?P<what>CONSTRAINT|FOREIGN\s+KEY|CHECK)\s+(?:IF\s+EXISTS\s+)?(?P<name>{I})",
        _drop_constraint,
    ),
    shape("drop_index", r"DROP\s+(?:INDEX|KEY)\s+(?P<name>{I})", _drop_table_index),
    shape("drop_primary_key", r"DROP\s+PRIMARY\s+KEY", _drop_primary_key),
    shape("drop_column", r"DROP\s+(?:COLUMN\s+)?(?:IF\s+EXISTS\s+)?(?P<name>{I})", _drop_column),
    shape("rename_table", r"RENAME\s+TO\s+(?P<new>{I})", _rename_to),
    shape(
        "rename_column", r"RENAME\s+(?:COLUMN\s+)?(?P<old>{I})\s+TO\s+(?P<new>{I})", _rename_column
    ),
    shape("rename_index", r"RENAME\s+(?:INDEX|KEY)\s+", _table_kind("rename_index")),
    shape(
        "alter_column_type", _COLUMN + r"(?:SET\s+DATA\s+)?TYPE\s+(?P<type>.*)$", _alter_column_type
    ),
    shape("alter_column_null", _COLUMN + r"(?P<verb>SET|DROP)\s+NOT\s+NULL", _alter_column_null),
    shape("alter_column_default", _COLUMN + r"(?:SET|DROP)\s+DEFAULT", _alter_column_default),
    shape(
        "modify_column",
        r"(?P<verb>MODIFY|CHANGE)\s+(?:COLUMN\s+)?(?P<column>{I})\s+(?P<rest>.*)$",
        _modify_column,
    ),
    shape("validate_constraint", r"VALIDATE\s+CONSTRAINT\s+(?P<name>{I})", _validate_constraint),
    shape(
        "detach_partition", r"DETACH\s+PARTITION\s+(?P<name>{I})(?P<rest>.*)$", _detach_partition
    ),
    shape(
        "mysql_alter_option",
        r"(?P<option>ALGORITHM|LOCK)\s*=?\s*(?P<value>\w+)",
        _mysql_alter_option,
    ),
)
"""One action of ``ALTER TABLE t a1, a2, ...``; none matching: ``alter_table_other``."""

STATEMENTS: tuple[Shape, ...] = (
    shape(
        "create_index",
        r"CREATE\s+(?P<unique>UNIQUE\s+)?INDEX\s+(?P<concurrently>CONCURRENTLY\s+)?"
        r"(?P<if_not_exists>IF\s+NOT\s+EXISTS\s+)?(?:(?P<name>{I})\s+)?ON\s+(?:ONLY\s+)?"
        r"(?P<table>{I})\s*(?:USING\s+\w+\s*)?\((?P<columns>.*)\)",
        _create_index,
    ),
    shape(
        "drop_index",
        r"DROP\s+INDEX\s+(?P<concurrently>CONCURRENTLY\s+)?(?P<if_exists>IF\s+EXISTS\s+)?"
        r"(?P<name>{I})(?:\s+ON\s+(?P<table>{I}))?",
        _drop_index,
    ),
    shape(
        "alter_table",
        r"ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?(?P<table>{I})\s+"
        r"(?P<actions>.*)$",
        _alter_table,
    ),
    shape("rename_table", r"RENAME\s+TABLE\s+(?P<old>{I})\s+TO\s+(?P<new>{I})", _rename_table),
    shape(
        "drop_table",
        r"DROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?P<tables>.*?)"
        r"(?:\s+(?:CASCADE|RESTRICT))?$",
        _drop_table,
    ),
    shape(
        "create_table",
        r"CREATE\s+(?:UNLOGGED\s+|TEMP(?:ORARY)?\s+)?TABLE\s+"
        r"(?:IF\s+NOT\s+EXISTS\s+)?(?P<table>{I})",
        _create_table,
    ),
    shape("truncate", r"TRUNCATE\s+(?:TABLE\s+)?(?:ONLY\s+)?(?P<tables>.*)$", _truncate),
    shape(
        "drop_schema",
        r"DROP\s+(?P<what>SCHEMA|DATABASE)\s+(?:IF\s+EXISTS\s+)?(?P<name>{I})",
        _drop_schema,
    ),
    shape(
        "rename_schema",
        r"ALTER\s+SCHEMA\s+(?P<name>{I})\s+RENAME\s+TO\s+(?P<new>{I})",
        _rename_schema,
    ),
    shape(
        "reindex",
        r"REINDEX\s+(?:\(.*?\)\s*)?(?P<what>INDEX|TABLE|SCHEMA|DATABASE|SYSTEM)\s+"
        r"(?P<concurrently>CONCURRENTLY\s+)?(?P<name>\S+)",
        _reindex,
    ),
    shape(
        "rewrite_maintenance",
        r"VACUUM\s+(?:\(\s*[^)]*\bFULL\b[^)]*\)|FULL\b)|CLUSTER\b",
        _rewrite_maintenance,
    ),
    shape(
        "domain_constraint",
        r"CREATE\s+DOMAIN\b.*\bCHECK\b|ALTER\s+DOMAIN\b.*\bADD\s+CONSTRAINT\b",
        _kind("domain_constraint"),
    ),
    shape(
        "enum_add_value",
        r"ALTER\s+TYPE\s+(?P<name>{I})\s+ADD\s+VALUE\s+(?:IF\s+NOT\s+EXISTS\s+)?"
        r"(?P<value>'[^']*')(?P<rest>.*)$",
        _enum_add_value,
    ),
    shape(
        "enum_rename_value", r"ALTER\s+TYPE\s+(?P<name>{I})\s+RENAME\s+VALUE", _enum_rename_value
    ),
    shape(
        "transaction_control",
        r"(?:BEGIN|START\s+TRANSACTION|COMMIT|ROLLBACK|END)\b",
        _kind("transaction_control"),
        unless=r"BEGIN\s+ATOMIC",
    ),
    shape(
        "set",
        r"SET\s+(?:SESSION\s+|LOCAL\s+|GLOBAL\s+)?(?:@@(?:session\.)?|@)?(?P<name>\w+)",
        _set,
    ),
    shape(
        "dml",
        r"(?P<verb>UPDATE|DELETE\s+FROM|INSERT\s+INTO|MERGE\s+INTO)\s+(?:ONLY\s+)?"
        r"(?P<table>{I})",
        _dml,
    ),
    shape(
        "harmless",
        r"(?:SELECT|WITH|COMMENT\s+ON|CREATE\s+(?:OR\s+REPLACE\s+)?(?:TRIGGER|FUNCTION|"
        r"PROCEDURE|VIEW|EXTENSION|SEQUENCE|TYPE|SCHEMA|MATERIALIZED\s+VIEW)|"
        r"DROP\s+(?:TRIGGER|FUNCTION|PROCEDURE|VIEW|EXTENSION|SEQUENCE|TYPE|MATERIALIZED"
        r"\s+VIEW)|GRANT|REVOKE|ANALYZE|PRAGMA|DO\b|ALTER\s+TYPE\s+{I}\s+RENAME\s+TO\b)",
        _kind("harmless"),
    ),
)
"""Every statement kind, first match wins; none matching: ``unknown``."""


def read_statement(text: str) -> Built:
    """The operations one statement (as :func:`split_statements` gives it) stands for."""
    try:
        built = read_first(STATEMENTS, text, Scope(text))
    except Exception:
        # A shape's pattern matched the start of text too malformed for its
        # builder (``TRUNCATE (``, an unclosed quote): a person reads it (RM503).
        built = None
    return [SqlStatement("unknown", text)] if built is None else built


def statements_from(text: str) -> list[ParsedStatement]:
    """Each statement of *text* as Alembic operations or :class:`SqlStatement` objects."""
    return [
        ParsedStatement(statement, operation)
        for statement in split_statements(text)
        for operation in read_statement(statement)
    ]

"""Raw SQL from ``op.execute``: split into statements and read what each does.

A small tokenizer (comments, quotes and PostgreSQL dollar quotes aware) splits
the text; each statement is matched against the shapes migrations use. Those
that have an Alembic equivalent become that Alembic operation, so the same
rules judge ``op.create_index(...)`` and ``op.execute("CREATE INDEX ...")``;
the rest become a :class:`SqlStatement` with a ``kind`` the SQL-level rules
read. Statements nothing here recognises are kept as kind ``unknown`` (rule
RM503 asks for them to be checked by a person).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field
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


def split_statements(text: str) -> list[str]:
    """Statements in *text*, comments removed, split on top-level semicolons."""
    out: list[str] = []
    current: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if text.startswith("--", i):
            end = text.find("\n", i)
            i = n if end < 0 else end
            continue
        if text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = n if end < 0 else end + 2
            current.append(" ")
            continue
        if ch in ("'", '"', "`"):
            end = i + 1
            while end < n:
                if text[end] == ch:
                    if end + 1 < n and text[end + 1] == ch:  # doubled quote inside
                        end += 2
                        continue
                    break
                end += 1
            current.append(text[i : end + 1])
            i = end + 1
            continue
        if ch == "$":
            tag = re.match(r"\$[A-Za-z_]*\$", text[i:])
            if tag:
                end = text.find(tag.group(0), i + len(tag.group(0)))
                end = n if end < 0 else end + len(tag.group(0))
                current.append(text[i:end])
                i = end
                continue
        if ch == ";":
            out.append("".join(current))
            current = []
            i += 1
            continue
        current.append(ch)
        i += 1
    out.append("".join(current))
    return [" ".join(s.split()) for s in out if s.strip()]


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


_TYPES: list[tuple[str, Any]] = [
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


def sql_type(text: str) -> Any:
    """A SQLAlchemy type for the SQL type spelled at the start of *text* (NullType if unknown)."""
    lowered = text.strip().lower()
    m = re.match(r"(?:character varying|varchar|nvarchar)\s*\(\s*(\d+)\s*\)", lowered)
    if m:
        return sa.String(int(m.group(1)))
    m = re.match(r"(?:character|char|nchar)\s*\(\s*(\d+)\s*\)", lowered)
    if m:
        return sa.CHAR(int(m.group(1)))
    m = re.match(r"(?:numeric|decimal)\s*(?:\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\))?", lowered)
    if m:
        precision = int(m.group(1)) if m.group(1) else None
        scale = int(m.group(2)) if m.group(2) else (0 if precision else None)
        return sa.Numeric(precision, scale)
    if re.match(r"timestamptz|timestamp(\s*\(\d+\))?\s+with time zone", lowered):
        return sa.DateTime(timezone=True)
    if re.match(r"timestamp|datetime", lowered):
        return sa.DateTime()
    if re.match(r"varchar\b|character varying\b", lowered):
        return sa.String()
    for pattern, type_ in _TYPES:
        if re.match(rf"(?:{pattern})\b", lowered):
            return type_()
    return sa.types.NullType()


_DEFAULT = re.compile(r"\bDEFAULT\s+((?:\([^;]*?\)|'[^']*'|[^\s,()]+(?:\([^)]*\))?))", re.I)


def _column_from(definition: str) -> sa.Column[Any]:
    """An ``sa.Column`` for ``name type [constraints]`` in an ADD COLUMN."""
    name_match = re.match(rf"({_IDENT})\s+(.*)$", definition, re.S)
    if name_match is None:
        return sa.Column(_name(definition), sa.types.NullType())
    name, rest = _name(name_match.group(1)), name_match.group(2)
    upper = rest.upper()
    default = _DEFAULT.search(rest)
    kw: dict[str, Any] = {
        "nullable": not re.search(r"\bNOT\s+NULL\b|\bPRIMARY\s+KEY\b", upper),
        "server_default": sa.text(default.group(1)) if default else None,
    }
    column: sa.Column[Any] = sa.Column(name, sql_type(rest), **kw)
    column.info["sql"] = rest
    if re.match(r"(?:big|small)?serial\d?\b", rest.strip().lower()) or re.search(
        r"\bAUTO_INCREMENT\b|\bGENERATED\s+(?:ALWAYS|BY\s+DEFAULT)\s+AS\s+IDENTITY\b", upper
    ):
        column.info["autoincrement"] = True
    if re.search(r"\bGENERATED\s+ALWAYS\s+AS\s*\(", upper) or re.search(r"\bAS\s*\(", upper):
        stored = bool(re.search(r"\bSTORED\b|\bPERSISTENT\b", upper))
        column.info["generated"] = "stored" if stored else "virtual"
    if re.search(r"\b(?:FIRST|AFTER\s+\S+)\s*$", rest, re.I):
        column.info["positioned"] = True
    return column


def _alter_action(table: str, action: str, text: str) -> list[Any]:
    a = action.strip()
    u = a.upper()
    m = re.match(r"ADD\s+(?:CONSTRAINT\s+(" + _IDENT + r")\s+)?(.*)$", a, re.I | re.S)
    if m and not re.match(r"ADD\s+(?:COLUMN\b)", u):
        cname = _name(m.group(1)) if m.group(1) else None
        body = m.group(2)
        bu = body.upper()
        not_valid = bool(re.search(r"\bNOT\s+VALID\b", bu))
        if bu.startswith("CHECK"):
            cond = re.sub(r"\s+NOT\s+VALID\s*$", "", body[5:].strip(), flags=re.I)
            return [
                ops.CreateCheckConstraintOp(
                    cname,
                    table,
                    sa.text(cond.strip()[1:-1] if cond.startswith("(") else cond),
                    postgresql_not_valid=not_valid,
                )
            ]
        fk = re.match(
            rf"FOREIGN\s+KEY\s*\((.*?)\)\s*REFERENCES\s+({_IDENT})\s*\((.*?)\)(.*)$", body, re.I
        )
        if fk:
            kw: dict[str, Any] = {"postgresql_not_valid": not_valid}
            on_delete = re.search(r"ON\s+DELETE\s+(CASCADE|SET\s+NULL|RESTRICT)", fk.group(4), re.I)
            if on_delete:
                kw["ondelete"] = on_delete.group(1).upper()
            return [
                ops.CreateForeignKeyOp(
                    cname,
                    table,
                    _name(fk.group(2)),
                    _columns(fk.group(1)),
                    _columns(fk.group(3)),
                    **kw,
                )
            ]
        if re.match(r"(?:UNIQUE|PRIMARY\s+KEY)\s+USING\s+INDEX", bu):
            return [SqlStatement("add_constraint_using_index", text, table, cname)]
        uq = re.match(r"UNIQUE(?:\s+KEY|\s+INDEX)?\s*(?:" + _IDENT + r"\s*)?\((.*)\)", body, re.I)
        if uq:
            return [ops.CreateUniqueConstraintOp(cname, table, _columns(uq.group(1)))]
        pk = re.match(r"PRIMARY\s+KEY\s*\((.*)\)", body, re.I)
        if pk:
            return [ops.CreatePrimaryKeyOp(cname, table, _columns(pk.group(1)))]
        if bu.startswith("EXCLUDE"):
            return [SqlStatement("add_exclusion", text, table, cname)]
        idx = re.match(r"(UNIQUE\s+)?(?:INDEX|KEY)\s+(" + _IDENT + r")\s*\((.*)\)", body, re.I)
        if idx:  # MySQL's ALTER TABLE ... ADD INDEX
            return [
                ops.CreateIndexOp(
                    _name(idx.group(2)), table, _columns(idx.group(3)), unique=bool(idx.group(1))
                )
            ]
    m = re.match(r"ADD\s+(?:COLUMN\s+)?(?:IF\s+NOT\s+EXISTS\s+)?(.*)$", a, re.I | re.S)
    if m:
        return [ops.AddColumnOp(table, _column_from(m.group(1)))]
    m = re.match(
        r"DROP\s+(?:CONSTRAINT|FOREIGN\s+KEY|CHECK)\s+(?:IF\s+EXISTS\s+)?(" + _IDENT + ")", a, re.I
    )
    if m:
        kind = "foreignkey" if re.match(r"DROP\s+FOREIGN", u) else None
        return [ops.DropConstraintOp(_name(m.group(1)), table, type_=kind)]
    m = re.match(r"DROP\s+(?:INDEX|KEY)\s+(" + _IDENT + ")", a, re.I)
    if m:
        return [ops.DropIndexOp(_name(m.group(1)), table)]
    m = re.match(r"DROP\s+PRIMARY\s+KEY", a, re.I)
    if m:
        return [ops.DropConstraintOp("PRIMARY", table, type_="primary")]
    m = re.match(r"DROP\s+(?:COLUMN\s+)?(?:IF\s+EXISTS\s+)?(" + _IDENT + ")", a, re.I)
    if m:
        return [ops.DropColumnOp(table, _name(m.group(1)))]
    m = re.match(r"RENAME\s+TO\s+(" + _IDENT + ")", a, re.I)
    if m:
        return [ops.RenameTableOp(table, _name(m.group(1)))]
    m = re.match(r"RENAME\s+(?:COLUMN\s+)?(" + _IDENT + r")\s+TO\s+(" + _IDENT + ")", a, re.I)
    if m:
        return [ops.AlterColumnOp(table, _name(m.group(1)), modify_name=_name(m.group(2)))]
    m = re.match(r"RENAME\s+(?:INDEX|KEY)\s+", a, re.I)
    if m:
        return [SqlStatement("rename_index", text, table)]
    m = re.match(
        r"ALTER\s+(?:COLUMN\s+)?(" + _IDENT + r")\s+(?:SET\s+DATA\s+)?TYPE\s+(.*)$", a, re.I
    )
    if m:
        return [ops.AlterColumnOp(table, _name(m.group(1)), modify_type=sql_type(m.group(2)))]
    m = re.match(r"ALTER\s+(?:COLUMN\s+)?(" + _IDENT + r")\s+(SET|DROP)\s+NOT\s+NULL", a, re.I)
    if m:
        nullable = m.group(2).upper() == "DROP"
        return [ops.AlterColumnOp(table, _name(m.group(1)), modify_nullable=nullable)]
    m = re.match(r"ALTER\s+(?:COLUMN\s+)?(" + _IDENT + r")\s+(SET|DROP)\s+DEFAULT\s*(.*)$", a, re.I)
    if m:
        return [SqlStatement("set_default", text, table, _name(m.group(1)))]
    m = re.match(r"(?:MODIFY|CHANGE)\s+(?:COLUMN\s+)?(" + _IDENT + r")\s+(.*)$", a, re.I | re.S)
    if m:  # MySQL: MODIFY c type [NOT NULL] / CHANGE old new type
        rest = m.group(2)
        new_name = None
        if u.startswith("CHANGE"):
            parts = rest.split(None, 1)
            new_name, rest = _name(parts[0]), parts[1] if len(parts) > 1 else ""
        column = _column_from(f"x {rest}")
        return [
            ops.AlterColumnOp(
                table,
                _name(m.group(1)),
                modify_type=column.type,
                modify_nullable=column.nullable,
                modify_name=new_name if new_name != _name(m.group(1)) else None,
            )
        ]
    m = re.match(r"VALIDATE\s+CONSTRAINT\s+(" + _IDENT + ")", a, re.I)
    if m:
        return [SqlStatement("validate_constraint", text, table, _name(m.group(1)))]
    m = re.match(r"DETACH\s+PARTITION\s+(" + _IDENT + r")(.*)$", a, re.I)
    if m:
        concurrently = bool(re.search(r"\bCONCURRENTLY\b", m.group(2), re.I))
        return [
            SqlStatement(
                "detach_partition", text, table, _name(m.group(1)), {"concurrently": concurrently}
            )
        ]
    m = re.match(r"(ALGORITHM|LOCK)\s*=?\s*(\w+)", a, re.I)
    if m:
        return [
            SqlStatement(
                "mysql_alter_option",
                text,
                table,
                details={"option": m.group(1).upper(), "value": m.group(2).upper()},
            )
        ]
    return [SqlStatement("alter_table_other", text, table)]


def _parse(text: str) -> list[Any]:
    u = text.upper()
    m = re.match(
        r"CREATE\s+(UNIQUE\s+)?INDEX\s+(CONCURRENTLY\s+)?(IF\s+NOT\s+EXISTS\s+)?"
        rf"(?:({_IDENT})\s+)?ON\s+(?:ONLY\s+)?({_IDENT})\s*(?:USING\s+\w+\s*)?\((.*)\)",
        text,
        re.I | re.S,
    )
    if m:
        name = _name(m.group(4)) if m.group(4) else None
        kw: dict[str, Any] = {}
        if m.group(2):
            kw["postgresql_concurrently"] = True
        return [
            ops.CreateIndexOp(
                name,
                _name(m.group(5)),
                _columns(m.group(6).split(")")[0]),
                unique=bool(m.group(1)),
                if_not_exists=bool(m.group(3)) or None,
                **kw,
            )
        ]
    m = re.match(
        rf"DROP\s+INDEX\s+(CONCURRENTLY\s+)?(IF\s+EXISTS\s+)?({_IDENT})(?:\s+ON\s+({_IDENT}))?",
        text,
        re.I,
    )
    if m:
        kw = {"postgresql_concurrently": True} if m.group(1) else {}
        table = _name(m.group(4)) if m.group(4) else None
        return [ops.DropIndexOp(_name(m.group(3)), table, if_exists=bool(m.group(2)) or None, **kw)]
    m = re.match(
        rf"ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?({_IDENT})\s+(.*)$", text, re.I | re.S
    )
    if m:
        table = _name(m.group(1))
        found: list[Any] = []
        for action in _split_top(m.group(2)):
            found.extend(_alter_action(table, action, text))
        return found
    m = re.match(rf"RENAME\s+TABLE\s+({_IDENT})\s+TO\s+({_IDENT})", text, re.I)
    if m:
        return [ops.RenameTableOp(_name(m.group(1)), _name(m.group(2)))]
    m = re.match(
        r"DROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?(.*?)(?:\s+(?:CASCADE|RESTRICT))?$", text, re.I
    )
    if m:
        return [ops.DropTableOp(_name(part)) for part in _split_top(m.group(1))]
    m = re.match(
        rf"CREATE\s+(?:UNLOGGED\s+|TEMP(?:ORARY)?\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?({_IDENT})",
        text,
        re.I,
    )
    if m:
        return [ops.CreateTableOp(_name(m.group(1)), [])]
    m = re.match(r"TRUNCATE\s+(?:TABLE\s+)?(?:ONLY\s+)?(.*)$", text, re.I)
    if m:
        cascade = bool(re.search(r"\bCASCADE\s*$", u))
        names = re.sub(
            r"\s+(?:CASCADE|RESTRICT|RESTART IDENTITY|CONTINUE IDENTITY).*$",
            "",
            m.group(1),
            flags=re.I,
        )
        return [
            SqlStatement("truncate", text, _name(names.split(",")[0]), None, {"cascade": cascade})
        ]
    m = re.match(rf"DROP\s+(SCHEMA|DATABASE)\s+(?:IF\s+EXISTS\s+)?({_IDENT})", text, re.I)
    if m:
        return [
            SqlStatement("drop_schema", text, None, _name(m.group(2)), {"what": m.group(1).lower()})
        ]
    m = re.match(rf"ALTER\s+SCHEMA\s+({_IDENT})\s+RENAME\s+TO\s+({_IDENT})", text, re.I)
    if m:
        return [
            SqlStatement("rename_schema", text, None, _name(m.group(1)), {"new": _name(m.group(2))})
        ]
    m = re.match(
        r"REINDEX\s+(?:\(.*?\)\s*)?(INDEX|TABLE|SCHEMA|DATABASE|SYSTEM)\s+(CONCURRENTLY\s+)?(\S+)",
        text,
        re.I,
    )
    if m:
        return [
            SqlStatement(
                "reindex",
                text,
                None,
                _name(m.group(3)),
                {"concurrently": bool(m.group(2)), "what": m.group(1).lower()},
            )
        ]
    if re.match(r"VACUUM\s+(?:\(\s*[^)]*\bFULL\b[^)]*\)|FULL\b)", text, re.I) or re.match(
        r"CLUSTER\b", text, re.I
    ):
        target = re.findall(_IDENT, re.sub(r"\(.*?\)", "", text))
        return [
            SqlStatement(
                "rewrite_maintenance", text, _name(target[-1]) if len(target) > 1 else None
            )
        ]
    if re.match(
        r"CREATE\s+DOMAIN\b.*\bCHECK\b|ALTER\s+DOMAIN\b.*\bADD\s+CONSTRAINT\b", text, re.I | re.S
    ):
        return [SqlStatement("domain_constraint", text)]
    m = re.match(
        rf"ALTER\s+TYPE\s+({_IDENT})\s+ADD\s+VALUE\s+(?:IF\s+NOT\s+EXISTS\s+)?('[^']*')(.*)$",
        text,
        re.I,
    )
    if m:
        positioned = bool(re.search(r"\b(BEFORE|AFTER)\b", m.group(3), re.I))
        return [
            SqlStatement(
                "enum_add_value",
                text,
                None,
                _name(m.group(1)),
                {"value": m.group(2), "positioned": positioned},
            )
        ]
    m = re.match(rf"ALTER\s+TYPE\s+({_IDENT})\s+RENAME\s+VALUE", text, re.I)
    if m:
        return [SqlStatement("enum_rename_value", text, None, _name(m.group(1)))]
    if re.match(r"(BEGIN|START\s+TRANSACTION|COMMIT|ROLLBACK|END)\b", text, re.I) and not re.match(
        r"BEGIN\s+ATOMIC", text, re.I
    ):
        return [SqlStatement("transaction_control", text)]
    m = re.match(r"SET\s+(?:SESSION\s+|LOCAL\s+|GLOBAL\s+)?(?:@@(?:session\.)?)?(\w+)", text, re.I)
    if m:
        return [SqlStatement("set", text, None, m.group(1).lower())]
    m = re.match(
        r"(UPDATE|DELETE\s+FROM|INSERT\s+INTO|MERGE\s+INTO)\s+(?:ONLY\s+)?(" + _IDENT + ")",
        text,
        re.I,
    )
    if m:
        return [
            SqlStatement(
                "dml", text, _name(m.group(2)), None, {"verb": m.group(1).split()[0].upper()}
            )
        ]
    if re.match(
        r"(SELECT|WITH|COMMENT\s+ON|CREATE\s+(OR\s+REPLACE\s+)?(TRIGGER|FUNCTION|"
        r"PROCEDURE|VIEW|EXTENSION|SEQUENCE|TYPE|SCHEMA|MATERIALIZED\s+VIEW)|"
        r"DROP\s+(TRIGGER|FUNCTION|PROCEDURE|VIEW|EXTENSION|SEQUENCE|TYPE|MATERIALIZED"
        r"\s+VIEW)|GRANT|REVOKE|ANALYZE|PRAGMA|DO\b)",
        text,
        re.I,
    ):
        return [SqlStatement("harmless", text)]
    return [SqlStatement("unknown", text)]


def statements_from(text: str) -> list[ParsedStatement]:
    """Each statement of *text* as Alembic operations or :class:`SqlStatement` objects."""
    found: list[ParsedStatement] = []
    for statement in split_statements(text):
        for operation in _parse(statement):
            found.append(ParsedStatement(statement, operation))
    return found

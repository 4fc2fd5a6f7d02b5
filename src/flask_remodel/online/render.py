"""How autogenerate writes the online operations into a revision script.

Registered with Alembic's ``renderers`` dispatcher, so a ``MigrationScript``
holding these operations (see :mod:`.autogenerate`) is written as
``op.create_index_online('ix_user_email', 'user', ['email'])`` and so on.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic.autogenerate import renderers
from alembic.autogenerate.api import AutogenContext
from sqlalchemy.sql.expression import BindParameter

from .._alembic import render_type
from ..autogenerate.operations import render_value
from .backfill import BackfillOp
from .expand import ContractColumnOp
from .expand import ExpandColumnOp
from .operations import CreateCheckConstraintOnlineOp
from .operations import CreateForeignKeyOnlineOp
from .operations import CreateIndexOnlineOp
from .operations import CreateUniqueConstraintOnlineOp
from .operations import DropIndexOnlineOp
from .operations import SetNotNullOnlineOp


class _Code(str):
    """A positional argument that is already Python source (a rendered type)."""


def _call(context: AutogenContext, name: str, *args: Any, **keywords: Any) -> str:
    """``op.<name>(args..., key=value...)``; keywords left at None are omitted.

    Positional arguments are written with ``repr`` (except :class:`_Code`);
    keyword values must already be source text.
    """
    prefix = context.opts.get("alembic_module_prefix", "op.")
    parts = [a if isinstance(a, _Code) else repr(_plain(a)) for a in args]
    parts += [f"{key}={value}" for key, value in keywords.items() if value is not None]
    return f"{prefix}{name}({', '.join(parts)})"


def _plain(value: Any) -> Any:
    # Names from a naming convention are conv() str subclasses; write them as str.
    if isinstance(value, str):
        return str(value)
    if isinstance(value, list):
        return [str(v) for v in value]
    return value


def _opt(value: Any) -> str | None:
    return repr(_plain(value)) if value else None


@renderers.dispatch_for(CreateIndexOnlineOp)
def _create_index(context: AutogenContext, op: CreateIndexOnlineOp) -> str:
    return _call(
        context, "create_index_online", op.index_name, op.table_name, op.columns,
        unique="True" if op.unique else None, schema=_opt(op.schema),
    )


@renderers.dispatch_for(DropIndexOnlineOp)
def _drop_index(context: AutogenContext, op: DropIndexOnlineOp) -> str:
    return _call(
        context, "drop_index_online", op.index_name, op.table_name, schema=_opt(op.schema)
    )


@renderers.dispatch_for(CreateForeignKeyOnlineOp)
def _create_foreign_key(context: AutogenContext, op: CreateForeignKeyOnlineOp) -> str:
    return _call(
        context, "create_foreign_key_online", op.constraint_name, op.source_table,
        op.referent_table, op.local_cols, op.remote_cols, ondelete=_opt(op.ondelete),
        onupdate=_opt(op.onupdate), source_schema=_opt(op.source_schema),
        referent_schema=_opt(op.referent_schema),
    )


@renderers.dispatch_for(CreateCheckConstraintOnlineOp)
def _create_check(context: AutogenContext, op: CreateCheckConstraintOnlineOp) -> str:
    return _call(
        context, "create_check_constraint_online", op.constraint_name, op.table_name,
        str(op.condition), schema=_opt(op.schema),
    )


@renderers.dispatch_for(SetNotNullOnlineOp)
def _set_not_null(context: AutogenContext, op: SetNotNullOnlineOp) -> str:
    existing = render_type(op.existing_type, context) if op.existing_type is not None else None
    return _call(
        context, "set_not_null_online", op.table_name, op.column_name,
        existing_type=existing, schema=_opt(op.schema),
    )


@renderers.dispatch_for(CreateUniqueConstraintOnlineOp)
def _create_unique(context: AutogenContext, op: CreateUniqueConstraintOnlineOp) -> str:
    return _call(
        context, "create_unique_constraint_online", op.constraint_name, op.table_name,
        op.columns, schema=_opt(op.schema),
    )


@renderers.dispatch_for(ExpandColumnOp)
def _expand(context: AutogenContext, op: ExpandColumnOp) -> str:
    existing = render_type(op.existing_type, context) if op.existing_type is not None else None
    return _call(
        context, "expand_column", op.table_name, op.column_name, op.new_column_name,
        _Code(render_type(op.type_, context)), nullable=None if op.nullable else "False",
        schema=_opt(op.schema), existing_type=existing,
    )


@renderers.dispatch_for(ContractColumnOp)
def _contract(context: AutogenContext, op: ContractColumnOp) -> str:
    return _call(
        context, "contract_column", op.table_name, op.column_name, op.new_column_name,
        rename="True" if op.rename else None, schema=_opt(op.schema),
    )


def _set_value(context: AutogenContext, value: Any) -> str:
    """One value of ``op.backfill``'s ``set_`` as source.

    A ``str`` there is SQL, so a string *value* arrives as a typed literal
    (``sa.literal("O'Brien", sa.String())``) and is written as one.
    """
    if isinstance(value, BindParameter):  # sa.BindParameter only since SQLAlchemy 2.0
        return (
            f"sa.literal({render_value(value.value, context)}, "
            f"{render_type(value.type, context)})"
        )
    if isinstance(value, sa.sql.ClauseElement):
        raise ValueError(f"op.backfill cannot be written with the expression {value!r}")
    return render_value(value, context)


@renderers.dispatch_for(BackfillOp)
def _backfill(context: AutogenContext, op: BackfillOp) -> str:
    set_ = ", ".join(f"{name!r}: {_set_value(context, v)}" for name, v in op.set_.items())
    defaults = BackfillOp(op.table_name, op.set_)
    changed = {
        name: repr(getattr(op, name))
        for name in ("batch_size", "pause", "key", "batch_time")
        if getattr(op, name) != getattr(defaults, name)
    }
    return _call(
        context, "backfill", op.table_name, _Code(f"{{{set_}}}"), where=_opt(op.where),
        schema=_opt(op.schema), **changed,
    )

<%
    # bind_names comes from the environment when the revision is generated;
    # "" is the default database.
    names = context.get("bind_names") or [""]
%>"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Create Date: ${create_date}

"""
from alembic import op
import sqlalchemy as sa
${imports if imports else ""}

# Identifiers Alembic uses to order the revisions.
revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
branch_labels = ${repr(branch_labels)}
depends_on = ${repr(depends_on)}


def upgrade(engine_name):
    # Each database has its own pair of functions below.
    globals()[f"upgrade_{engine_name}"]()


def downgrade(engine_name):
    globals()[f"downgrade_{engine_name}"]()
% for name in names:


def upgrade_${name}():
    ${context.get(f"{name}_upgrades", "pass")}


def downgrade_${name}():
    ${context.get(f"{name}_downgrades", "pass")}
% endfor

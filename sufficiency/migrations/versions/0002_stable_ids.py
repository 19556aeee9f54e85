"""Stable ids and revisions: delete, rename and overwrite name the row the user saw.

Adds ``uid`` (a random id that never changes and is never reused, unlike SQLite's integer ids)
and ``revision`` (1 when saved, +1 at every change). Existing rows get a fresh uid and revision 1.

Revision ID: 0002
Revises: 0001
"""

import uuid

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("scenarios") as batch:
        batch.add_column(sa.Column("uid", sa.String(32), nullable=True))
        batch.add_column(
            sa.Column("revision", sa.Integer, nullable=False, server_default=sa.text("1"))
        )
    scenarios = sa.table("scenarios", sa.column("id", sa.Integer), sa.column("uid", sa.String))
    connection = op.get_bind()
    for (row_id,) in connection.execute(sa.select(scenarios.c.id)).all():
        connection.execute(
            scenarios.update().where(scenarios.c.id == row_id).values(uid=uuid.uuid4().hex)
        )
    with op.batch_alter_table("scenarios") as batch:
        batch.alter_column("uid", existing_type=sa.String(32), nullable=False)
        batch.create_unique_constraint("uq_scenarios_uid", ["uid"])


def downgrade() -> None:
    with op.batch_alter_table("scenarios") as batch:
        batch.drop_constraint("uq_scenarios_uid", type_="unique")
        batch.drop_column("revision")
        batch.drop_column("uid")

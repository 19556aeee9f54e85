"""Alembic environment: migrations run on the connection ``ScenarioStore`` hands over.

There is no ``alembic.ini``: the store builds the configuration in code and passes an open
connection (inside its own transaction and lock) as ``config.attributes["connection"]``.
"""

from alembic import context

connection = context.config.attributes["connection"]
# Batch mode: SQLite cannot ALTER most things, so alembic copies the table into a new one.
context.configure(connection=connection, target_metadata=None, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()

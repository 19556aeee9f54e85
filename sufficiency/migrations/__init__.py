"""Alembic migrations of the scenario library's database schema (run by ``ScenarioStore`` on open).

``versions/`` holds one file per schema version, oldest first. Each migration works on SQLite (in
alembic's batch mode, which rebuilds a table to change it) and on PostgreSQL.
"""

"""Alembic migration environment and revisions."""

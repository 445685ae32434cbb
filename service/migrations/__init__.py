"""The database's schema as Alembic migrations: `versions/` holds one script a change, applied
by `service.migrate` at start-up and by `jianggao db upgrade`."""

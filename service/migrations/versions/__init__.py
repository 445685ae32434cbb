"""One script a schema change, in order (their `down_revision` chains them)."""

"""The store: database engine, schema, migrations and full-text search."""

"""The DuckDB warehouse: schema as ordered migrations, connections, and the batch loader."""

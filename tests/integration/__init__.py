"""Integration tests: the application on real SQLite and PostgreSQL stores, no mocks."""

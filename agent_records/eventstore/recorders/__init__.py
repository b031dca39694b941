"""The recorders: the concurrent PostgreSQL recorder (``postgres``, reading below the
oldest running writer with ``reading``), the library's SQLite recorder with
idempotency keys (``sqlite``), and either seen as the SQL recorder it is (``sql``)."""

"""The recorders: the concurrent PostgreSQL recorder (``postgres``, reading below the
oldest running writer with ``reading``) and the library's SQLite recorder with
idempotency keys (``sqlite``)."""

"""The store adapter: how the record is kept in the eventsourcing library's event store.

The store is the library's (an SQLite file, or a PostgreSQL table ``agentrecords_events``).
What this package adds, each in a module named after it:

- ``errors``: a store that cannot be reached said in one sentence (``StoreUnavailable``,
  an infrastructure error, not a refusal), and ``guard`` which turns driver errors into it;
- ``failfast``: a PostgreSQL outage answered in milliseconds, not after the pool's wait;
- ``schema``: the PostgreSQL schema named in the store URL created before first use;
- ``transcoding``: how our dates and value objects are stored;
- ``encoding``: the library's JSON and mapper, byte for byte, with less work per event;
- ``bulk``: a large save encoded while the recorder copies it;
- ``idempotency``: the keys that make a retried command return its first result;
- ``recorders``: the concurrent PostgreSQL recorder and the keyed SQLite recorder;
- ``factory``: the library's infrastructure factories, handing out all of the above.

Several of these override or call private methods of the library (for speed, or to store
a key in the events' transaction). ``pyproject.toml`` pins the library's minor version,
and ``tests/integration/test_library_contract.py`` names any such method that changed.
Dependencies: this package serves the application; it imports the domain (value types,
refusals) and the settings, never the application, the API or the projections.
"""

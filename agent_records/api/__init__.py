"""The HTTP adapter: FastAPI with strawberry's GraphQL router. Thin: it calls the
application for commands, reads the projections for queries and the record itself
through ``agent_records.queries``; it never reaches into the event store."""

"""The HTTP adapter: FastAPI with strawberry's GraphQL router. Thin: it calls the
application for commands and reads the projections (or the store) for queries."""

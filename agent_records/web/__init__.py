"""The web pages: server-rendered HTML for the people who use the record (HR first).

Each page executes the trusted operations of ``graphql/operations/`` in-process with
the signed-in principal (``web.operations``), so a page shows what that role may read
and nothing more; sessions and CSRF are in ``web.sessions``, the routes in
``web.pages``, the service that serves the API and the pages together in ``web.app``.
"""

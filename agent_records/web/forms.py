"""Reading a posted HTML form (``application/x-www-form-urlencoded``) without a parser
dependency: the pages' forms are small and have no files. The body is already bounded by
the service's ``BodyLimit``."""

from __future__ import annotations

from urllib.parse import parse_qs

from starlette.requests import Request

FORM = "application/x-www-form-urlencoded"


class NotAForm(Exception):
    """The POST was not an URL-encoded form: the expected media type and the one sent."""


async def read_form(request: Request) -> dict[str, str]:
    """The form's fields, each its first value (empty fields kept as "")."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != FORM:
        raise NotAForm(FORM, media or "none")
    fields = parse_qs((await request.body()).decode(errors="replace"), keep_blank_values=True)
    return {name: values[0] for name, values in fields.items()}

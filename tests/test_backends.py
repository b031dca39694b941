"""The backend fixtures hand each test a usable, isolated store location."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests import backends


def test_store_url_points_at_a_usable_location(store_url: str) -> None:
    if store_url.startswith("postgresql://"):
        schema = parse_qs(urlsplit(store_url).query)["schema"][0]
        assert schema.startswith("t_")
        assert backends.schema_exists(schema)
    else:
        assert store_url.startswith("sqlite:///")
        path = Path(store_url.removeprefix("sqlite:///"))
        assert path.parent.is_dir()


@pytest.mark.postgres
def test_schemas_are_fresh_and_dropped() -> None:
    first, second = backends.create_schema(), backends.create_schema()
    try:
        assert first != second
        assert backends.schema_exists(first)
    finally:
        backends.drop_schema(first)
        backends.drop_schema(second)
    assert not backends.schema_exists(first)

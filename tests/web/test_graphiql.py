"""GraphiQL's page names only files the service serves, each vendored with its licence
(the browser test, ``test_browser.py``, loads it with every other host refused)."""

from __future__ import annotations

import base64
import hashlib
import re

import httpx

from agent_records.web.render import STATIC
from tests.web.conftest import Site

ASSET = re.compile(r'(?:src|href)="([^"]+)"')
TAG = re.compile(r"<(?:script|link)\b[^>]*>", re.S)
ATTRIBUTE = re.compile(r'(src|href|integrity)="([^"]+)"')


def test_every_script_and_style_of_graphiql_is_served_here(site: Site) -> None:
    with httpx.Client(base_url=site.url, timeout=30) as http:
        page = http.get("/graphql", headers={"Accept": "text/html"})
        assert page.status_code == 200
        assets = [a for a in ASSET.findall(page.text) if not a.startswith("data:")]
        assert len(assets) == 7, assets
        for asset in assets:
            assert asset.startswith("/web/static/vendor/"), asset
            served = http.get(asset)
            assert served.status_code == 200, f"{asset}: vendor it (static/vendor/README.md)"
            package = asset.removeprefix("/web/static/vendor/").split("/")
            folder = "/".join(package[:2] if package[0].startswith("@") else package[:1])
            assert (STATIC / "vendor" / folder / "LICENSE").is_file(), folder


def test_the_vendored_files_are_minified_builds_only() -> None:
    files = [p for p in (STATIC / "vendor").rglob("*") if p.is_file()]
    code = [p for p in files if p.suffix in (".js", ".css")]
    assert all(".min." in p.name or p.parent.name == "dist" for p in code), code
    assert not [p for p in files if p.suffix == ".map"]
    assert sum(p.stat().st_size for p in files) < 5_000_000


def test_each_vendored_file_matches_the_page_s_integrity_hash(site: Site) -> None:
    """The page's subresource-integrity hashes are those of the files served: a vendored
    file changed, or the page pointed at another version, would not load."""
    with httpx.Client(base_url=site.url, timeout=30) as http:
        page = http.get("/graphql", headers={"Accept": "text/html"}).text
        checked = 0
        for tag in TAG.findall(page):
            found = dict(ATTRIBUTE.findall(tag))
            asset = found.get("src") or found.get("href", "")
            if not asset.startswith("/web/static/vendor/"):
                continue
            body = http.get(asset).content
            digest = base64.b64encode(hashlib.sha384(body).digest()).decode()
            assert found.get("integrity") == f"sha384-{digest}", asset
            checked += 1
        assert checked == 7

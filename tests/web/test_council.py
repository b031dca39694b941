"""The council's and the archives' pages, over HTTP (httpx) and in a real browser
(Debian's chromium, headless), on one service (``council_site``): the audit trail's
filters (both time axes) and pages, the breaches and the disciplinary file refused to
every role but the council, the integrity status and an inclusion proof checked from
its form, the export form's CSRF token, refusals and personal-data rule, and exports
from the form to the download: the archivist's bag verifies, and nothing personal is in
its JSON Lines. The browser tests print a disciplinary file (print media) and watch the
export's page refresh itself (no script).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tarfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import bagit
import httpx
import pytest
from playwright.sync_api import Page, expect

from agent_records.api.services import Services
from agent_records.web import council as council_pages
from agent_records.web import exports
from tests.web.conftest import Site
from tests.web.council_site import CouncilSite, council_site
from tests.web.test_browser import offline, page, sign_in
from tests.web.test_sessions import csrf_of
from tests.web.test_sessions import sign_in as http_sign_in

__all__ = ["offline", "page"]  # the browser's fixtures (test_browser.py)

ROWS = re.compile(r'<tr id="p(\d+)"')


@pytest.fixture(scope="module")
def council(token_file: tuple[Path, dict[str, str]],
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[CouncilSite]:
    yield from council_site(token_file, tmp_path_factory.mktemp("council"))


@pytest.fixture(scope="module")
def site(council: CouncilSite) -> Site:
    return council.site


def as_role(site: Site, role: str) -> httpx.Client:
    http = httpx.Client(base_url=site.url, follow_redirects=False, timeout=30,
                        headers={"Accept-Language": "en"})  # the assertions are English
    http_sign_in(http, site.live.tokens[role])
    return http


@pytest.fixture(scope="module")
def members(site: Site) -> Iterator[dict[str, httpx.Client]]:
    clients = {role: as_role(site, role) for role in
               ("council", "archivist", "auditor", "hr_officer", "hr_clerk")}
    yield clients
    for http in clients.values():
        http.close()


def positions(html: str) -> list[int]:
    return [int(p) for p in ROWS.findall(html)]


def test_the_audit_trail_filters_on_every_field(members: dict[str, httpx.Client],
                                                site: Site) -> None:
    http = members["auditor"]
    everything = positions(http.get("/web/audit").text)
    assert everything == sorted(everything) and len(everything) > 10
    attache = site.career.attache
    by_agent = http.get("/web/audit", params={"agent": attache}).text
    assert f"/web/agents/{attache}" in by_agent and site.career.candidate not in by_agent
    cases = {
        "post": ({"post": "bru"}, "PostOpened"),
        "actor": ({"actor": "demo-council"}, "DisciplinaryDecision"),
        "article": ({"article": "Art. 24"}, "DisciplinaryDecision"),
        "event_type": ({"event_type": "Promoted"}, "AGD 1951/G1"),
    }
    for name, (query, shown) in cases.items():
        page = http.get("/web/audit", params=query)
        assert page.status_code == 200 and shown in page.text, name
        assert 0 < len(positions(page.text)) < len(everything), name
    effective = positions(http.get("/web/audit", params={
        "effective_from": "1951-08-01", "effective_to": "1951-12-31"}).text)
    assert effective and set(effective) < set(everything)
    later = positions(http.get("/web/audit", params={"recorded_from": "2999-01-01T00:00"}).text)
    assert later == []
    until_now = positions(http.get("/web/audit", params={
        "recorded_from": "2000-01-01T00:00", "recorded_to": "2999-01-01T00:00"}).text)
    assert until_now == everything


def test_the_audit_trail_pages_on_the_log_position(members: dict[str, httpx.Client],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages of 2 (the service runs in this process) keep the filters, in log order."""
    http = members["council"]
    query = {"article": "Art. 7", "actor": "demo-hr-clerk", "recorded_from": "2000-01-01T00:00"}
    whole = positions(http.get("/web/audit", params=query).text)
    assert len(whole) > 2
    monkeypatch.setattr(council_pages, "AUDIT_PAGE", 2)
    pages, html = [], http.get("/web/audit", params=query).text
    while True:
        pages.append(positions(html))
        link = re.search(r'rel="next" href="([^"]+)"', html)
        if link is None:
            break
        assert "actor=demo-hr-clerk&amp;article=Art.+7&amp;recorded_from=2000-01-01T00%3A00" \
            in link.group(1)
        html = http.get(link.group(1).replace("&amp;", "&")).text
    assert all(len(p) == 2 for p in pages[:-1])
    assert [position for page in pages for position in page] == whole


def test_a_bad_date_in_the_filters_is_refused_naming_it(members: dict[str, httpx.Client]
                                                        ) -> None:
    page = members["auditor"].get("/web/audit", params={"effective_from": "1951-13-01"})
    assert page.status_code == 400 and "effective from" in page.text


@pytest.mark.parametrize("path", ["/web/audit", "/web/integrity", "/web/breaches"])
def test_the_hr_roles_are_refused_the_council_pages(members: dict[str, httpx.Client],
                                                    path: str) -> None:
    page = members["hr_clerk"].get(path)
    assert page.status_code == 403
    assert "your role may not read or do this" in page.text


@pytest.mark.parametrize("role", ["auditor", "archivist", "hr_officer"])
def test_the_breaches_and_disciplinary_file_are_the_councils(
        members: dict[str, httpx.Client], site: Site, role: str) -> None:
    breaches = members[role].get("/web/breaches")
    assert breaches.status_code == 403 and "breaches (discipline data)" in breaches.text
    file = members[role].get(f"/web/agents/{site.career.attache}/discipline")
    assert file.status_code == 403 and "(discipline data)" in file.text
    assert "married without" not in file.text and "Greta Braun" not in file.text


def test_the_council_sees_the_breaches_and_the_file(members: dict[str, httpx.Client],
                                                    council: CouncilSite, site: Site) -> None:
    http = members["council"]
    page = http.get("/web/breaches").text
    assert "marriage without authorisation" in page and "Jean Schmit" in page
    assert f"/web/agents/{site.career.attache}/discipline" in page
    none = http.get("/web/breaches", params={"code": "absent_without_leave"}).text
    assert 'id="count" role="status">0 breaches' in none
    file = http.get(f"/web/agents/{site.career.attache}/discipline").text
    assert f"#{council.referral}" in file and "reprimand" in file and "1951-12-20" in file
    assert "Greta Braun" in file and "married without" not in file  # facts: not in the view


def test_the_dossier_links_to_the_disciplinary_file_for_the_council_only(
        members: dict[str, httpx.Client], site: Site) -> None:
    link = f'id="discipline-file" href="/web/agents/{site.career.attache}/discipline"'
    for role, shown in (("council", True), ("hr_officer", False), ("auditor", False),
                        ("archivist", False)):
        dossier = members[role].get(f"/web/agents/{site.career.attache}")
        assert dossier.status_code == 200, dossier.text
        assert (link in dossier.text) == shown, role


def test_the_integrity_status_and_an_inclusion_proof(members: dict[str, httpx.Client]
                                                     ) -> None:
    http = members["auditor"]
    status = http.get("/web/integrity").text
    assert "OK: the hash chain holds" in status and "— " in status  # the signed note
    assert "yes, off the database" in status
    proof = http.get("/web/integrity/proof", params={"position": "3"})
    assert proof.status_code == 200 and "Verified: the event at position 3" in proof.text
    beyond = http.get("/web/integrity/proof", params={"position": "99999"})
    assert beyond.status_code == 400 and "position 99999 is not in checkpoint" in beyond.text
    bad = http.get("/web/integrity/proof", params={"position": "x"})
    assert bad.status_code == 400 and "not a log position" in bad.text


def export_form(http: httpx.Client) -> str:
    return csrf_of(http.get("/web/exports").text)


def wait_done(http: httpx.Client, location: str) -> str:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        page = http.get(location)
        assert page.status_code == 200, page.text
        if 'id="download"' in page.text:
            assert 'http-equiv="refresh"' not in page.text
            return page.text
        assert 'http-equiv="refresh" content="1"' in page.text
        time.sleep(0.2)
    raise AssertionError("the export did not finish")


def test_the_export_form_needs_its_csrf_token(members: dict[str, httpx.Client]) -> None:
    http = members["archivist"]
    for sent in ({}, {"csrf": "wrong"}):
        refused = http.post("/web/exports", data={"format": "jsonl", **sent})
        assert refused.status_code == 403 and "CSRF" in refused.text


def test_personal_data_only_for_the_council(members: dict[str, httpx.Client]) -> None:
    archivist = members["archivist"]
    form = archivist.get("/web/exports").text
    assert 'name="personal"' not in form and "personal-withheld" in form
    refused = archivist.post("/web/exports", data={"csrf": csrf_of(form), "format": "jsonl",
                                                   "personal": "yes"})
    assert refused.status_code == 403
    assert "the role archivist may not export personal data" in refused.text
    assert 'name="personal"' in members["council"].get("/web/exports").text
    auditor = members["auditor"].get("/web/exports")
    assert auditor.status_code == 403 and "may not export the record" in auditor.text


def test_a_bad_selection_is_refused_naming_the_field(members: dict[str, httpx.Client]
                                                     ) -> None:
    http = members["archivist"]
    answer = http.post("/web/exports", data={"csrf": export_form(http), "format": "jsonl",
                                             "effective_from": "1950-13-01"})
    assert answer.status_code == 400 and "effective-from" in answer.text


def test_the_councils_csv_export_includes_personal_data(members: dict[str, httpx.Client],
                                                        site: Site) -> None:
    http = members["council"]
    started = http.post("/web/exports", data={"csrf": export_form(http), "format": "csv",
                                              "agent": site.career.attache,
                                              "personal": "yes"})
    assert started.status_code == 303
    link = re.search(r'id="download" href="([^"]+)"', wait_done(http, started.headers["location"]))
    body = http.get(link.group(1))  # type: ignore[union-attr]
    assert body.headers["x-agent-records-personal-data"] == "included"
    assert body.headers["content-type"].startswith("text/csv")
    assert "Greta Braun" in body.text and "1920-03-01" in body.text


def test_an_archivist_export_withholds_personal_data(members: dict[str, httpx.Client],
                                                     council: CouncilSite, site: Site
                                                     ) -> None:
    http = members["archivist"]
    started = http.post("/web/exports", data={"csrf": export_form(http), "format": "jsonl",
                                              "agent": site.career.attache})
    assert started.status_code == 303
    done = wait_done(http, started.headers["location"])
    size = int(re.search(r'id="bytes">(\d+)<', done).group(1))  # type: ignore[union-attr]
    link = re.search(r'id="download" href="([^"]+)"', done).group(1)  # type: ignore[union-attr]
    assert members["council"].get(link).status_code == 404  # not the council's export
    body = http.get(link)
    assert body.status_code == 200 and len(body.content) == size
    assert body.headers["x-agent-records-personal-data"] == "withheld"
    lines = [json.loads(line) for line in body.text.splitlines()]
    assert lines and {line["stream_id"] for line in lines} == {site.career.attache}
    assert "Greta Braun" not in body.text and "1920-03-01" not in body.text
    # personal values go as stored: encrypted, so the chain can be recomputed over them
    assert any('"_sealed"' in json.dumps(line) for line in lines)
    assert http.get(link).status_code == 404  # deleted once downloaded
    deadline = time.monotonic() + 10  # deleted just after the response's last byte
    while any((council.data / "web-exports").iterdir()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any((council.data / "web-exports").iterdir())


def test_the_council_filters_the_trail_and_reads_a_file(page: Page, site: Site) -> None:
    sign_in(page, site, "council", "/web/audit")
    page.get_by_label("Article").fill("Art. 24")
    page.get_by_label("Event type").select_option("DisciplinaryDecision")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("#count")).to_have_text("1 entry matches")
    expect(page.locator("table.audit tbody")).to_contain_text("demo-council")
    page.get_by_label("Article").fill("")
    page.get_by_label("Event type").select_option("")
    page.locator("#effective_from").fill("1951-11-01")
    page.locator("#effective_to").fill("1951-11-30")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("table.audit tbody")).to_contain_text("MarriageRecorded")
    expect(page.locator("table.audit tbody")).not_to_contain_text("Promoted")
    page.get_by_role("link", name="Breaches").click()
    expect(page.locator("#count")).to_have_text("1 breach on record")
    page.get_by_role("link", name="Jean Schmit").click()
    expect(page).to_have_url(f"{site.url}/web/agents/{site.career.attache}/discipline")
    expect(page.locator("table.referrals")).to_contain_text("reprimand")
    page.emulate_media(media="print")
    expect(page.locator("header nav")).to_be_hidden()
    expect(page.locator(".printed")).to_be_visible()
    expect(page.locator(".printed")).to_contain_text("Disciplinary file: Jean Schmit")
    expect(page.locator(".printed")).to_contain_text("by demo-council (council)")
    link = page.locator("main p.screen-only")
    expect(link).to_be_hidden()
    page.pdf()  # prints without error (headless chromium)


def test_the_auditor_checks_a_proof_and_is_refused_the_file(page: Page, site: Site) -> None:
    sign_in(page, site, "auditor", "/web/integrity")
    expect(page.locator("#verdict")).to_contain_text("OK")
    expect(page.locator("table.checkpoints tbody tr")).to_have_count(1)
    page.get_by_label("Log position").fill("4")
    page.get_by_role("button", name="Check the inclusion proof").click()
    expect(page.locator("#proof-result")).to_contain_text(
        "Verified: the event at position 4 is in the signed checkpoint")
    expect(page.get_by_role("link", name="Breaches")).to_have_count(0)
    answer = page.goto(f"{site.url}/web/agents/{site.career.attache}/discipline")
    assert answer is not None and answer.status == 403
    expect(page.get_by_role("alert")).to_contain_text(
        "your role may not read or do this: disciplinaryRecord (discipline data)")


def test_the_archivist_exports_a_bag_that_verifies(page: Page, site: Site, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The export waits until the test has seen its page say it is being made: the page
    then turns to "Done" by its own refresh (``<meta http-equiv="refresh">``, no script,
    under the pages' Content-Security-Policy)."""
    gate, write = threading.Event(), exports.write

    def held(services: Services, job: exports.Job) -> Path:
        gate.wait(60)
        return write(services, job)

    monkeypatch.setattr(exports, "write", held)  # the service runs in this process
    sign_in(page, site, "archivist", "/web/exports")
    expect(page.locator("#personal-withheld")).to_be_visible()
    page.get_by_label("BagIt bag").check()
    page.get_by_role("button", name="Make the export").click()
    expect(page.locator("#export-state")).to_contain_text("Being made")
    assert page.locator('meta[http-equiv="refresh"]').get_attribute("content") == "1"
    gate.set()
    expect(page.locator("#export-state")).to_contain_text("Done", timeout=60_000)
    expect(page.locator("#written")).not_to_have_text("0")
    size = int(page.locator("#bytes").inner_text())
    with page.expect_download() as started:
        page.locator("#download").click()
    download = started.value
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert saved.stat().st_size == size and saved.name.endswith("bag.tar")
    with tarfile.open(saved) as archive:
        archive.extractall(tmp_path / "out", filter="data")
    bag = tmp_path / "out" / "agent-records-bag"
    assert bagit.Bag(str(bag)).validate(processes=1)
    assert "Agent-Records-Personal-Data: withheld" in (bag / "bag-info.txt").read_text()
    checked = subprocess.run([sys.executable, "-I", str(bag / "data" / "verify_export.py"),
                              str(bag / "data")], capture_output=True, text=True,
                             timeout=120, cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "Greta Braun" not in (bag / "data" / "events.jsonl").read_text()

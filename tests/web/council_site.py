"""The service the council's and the archives' pages are tested on: the HR pages' career
(``conftest.record``) plus what the council sees (a marriage refused and celebrated
anyway: a breach; a referral and its decision), a signed checkpoint, and a data folder
and signing key of its own (exports are written under the data folder)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from agent_records.api.auth import TokenStore
from agent_records.integrity.service import create_checkpoint
from tests.api.career import Recorder
from tests.web.conftest import TODAY, Site, serve


@dataclass
class CouncilSite:
    site: Site
    data: Path
    referral: int
    breach: int


def council_site(tokens: tuple[Path, dict[str, str]], tmp: Path) -> Iterator[CouncilSite]:
    path, plain = tokens
    with pytest.MonkeyPatch.context() as env:
        env.setenv("AGENT_RECORDS_TODAY", TODAY)
        env.setenv("AGENT_RECORDS_DATA", str(tmp / "data"))
        env.setenv("AGENT_RECORDS_SIGNING_KEY", str(tmp / "keys" / "signing-key.pem"))
        env.delenv("AGENT_RECORDS_CHECKPOINTS", raising=False)
        for site in serve(f"sqlite:///{tmp}/store.sqlite3", TokenStore.load(path), plain):
            rec = Recorder(site.live, site.career)
            ask = rec.on("RequestMarriageAuthorisation", "attache", "1951-09-01",
                         spouseName="Greta Braun", spouseNationality="DE")
            rec.on("RefuseMarriage", "attache", "1951-10-01", "hr_officer",
                   requestVersion=ask["version"])
            breach = rec.on("RecordMarriage", "attache", "1951-11-01",
                            spouseName="Greta Braun", spouseNationality="DE")
            referral = rec.on("ReferToDiscipline", "attache", "1951-12-01", "hr_officer",
                              body="ORDINARY",
                              facts="married without the minister's authorisation")
            rec.on("RecordDisciplinaryDecision", "attache", "1951-12-20", "council",
                   referralVersion=referral["version"], outcome="REPRIMAND",
                   decisionReference="Conseil 1951/7")
            create_checkpoint(site.app.state.services.records)
            yield CouncilSite(site, tmp / "data", referral["version"], breach["version"])

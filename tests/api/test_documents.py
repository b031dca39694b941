"""Trusted documents are composed from an operation file and the fragments it spreads:
each needed fragment once, in name order, also those spread by a fragment; an operation
without fragments is its file byte for byte (so its id is ``sha256sum`` of the file)."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent_records.api.documents import compose, document_id, load_documents, load_operations

FRAGMENTS = {
    "Agent": "fragment Agent on Agent { id ...Post }\n",
    "Post": "fragment Post on Agent { postCode }\n",
    "Unused": "fragment Unused on Agent { grade }\n",
}


def test_fragments_are_appended_once_in_name_order_with_their_own() -> None:
    text = "query Q { a: agent(id: 1) { ...Post } b: agent(id: 2) { ...Agent ...Post } }\n"
    assert compose(text, FRAGMENTS) == text + "\n" + FRAGMENTS["Agent"] + "\n" + FRAGMENTS["Post"]


def test_an_operation_without_fragments_is_its_file() -> None:
    text = "# a comment ...Post\nquery Q { posts { code } }\n"
    assert compose(text, FRAGMENTS) == text


def test_an_unknown_fragment_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "operations").mkdir()
    (tmp_path / "operations" / "Q.graphql").write_text("query Q { posts { ...Missing } }\n")
    with pytest.raises(ValueError, match=r"Q\.graphql: no fragment Missing in graphql/fragments/"):
        load_operations(tmp_path / "operations")


def test_documents_are_found_by_the_id_of_their_composed_text(tmp_path: Path) -> None:
    (tmp_path / "operations").mkdir()
    (tmp_path / "fragments").mkdir()
    (tmp_path / "operations" / "Q.graphql").write_text("query Q { agent(id: 1) { ...Post } }\n")
    (tmp_path / "fragments" / "Post.graphql").write_text(FRAGMENTS["Post"])
    composed = "query Q { agent(id: 1) { ...Post } }\n\n" + FRAGMENTS["Post"]
    assert load_documents(tmp_path / "operations") == {document_id(composed): composed}


def test_the_configured_folder_is_read_at_each_call(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "Only.graphql").write_text("query Only { posts { code } }\n")
    monkeypatch.setenv("AGENT_RECORDS_OPERATIONS", str(tmp_path))
    assert list(load_operations()) == ["Only"]

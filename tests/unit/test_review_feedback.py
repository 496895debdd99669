"""The feedback loop: decisions exported as Parquet in the documented layout, and the shadow report's
agreement / precision / recall against hand-counted answers."""
from __future__ import annotations

import pyarrow.parquet as pq
import pytest

from server.review.feedback import SCHEMA, SCHEMA_VERSION, export_feedback
from server.review.log import Decision
from server.review.shadow import format_report, shadow_report, write_charts
from tests.unit.test_review_service import ALICE, coded, svc, codesets  # noqa: F401 - fixtures


def _review(svc):  # noqa: F811
    svc.decide(ALICE, Decision("encA", "accept", "", "alice", suggestion_id="encA:1"), "http")
    svc.decide(ALICE, Decision("encA", "accept", "", "alice", suggestion_id="encA:2"), "http")
    svc.decide(ALICE, Decision("encA", "modify", "", "alice", suggestion_id="encA:2", final_code="E11.22",
                               reason="CKD documented"), "http")    # a correction: the latest wins
    svc.decide(ALICE, Decision("encA", "reject", "", "alice", suggestion_id="encA:3", reason="history only"), "http")
    svc.decide(ALICE, Decision("encA", "add", "ICD10CM", "alice", final_code="Z85.038", evidence=(70, 93)), "http")


def test_export_writes_every_decision_in_the_documented_layout(svc, tmp_path):  # noqa: F811
    _review(svc)
    out = tmp_path / "fb.parquet"
    assert export_feedback(svc.log, out) == 5
    table = pq.read_table(out)
    assert table.schema.remove_metadata() == SCHEMA
    assert table.schema.metadata[b"medcoder.schema"] == SCHEMA_VERSION.encode()
    rows = table.to_pylist()
    assert [(r["action"], r["suggested_code"], r["final_code"], r["suggestion_correct"], r["is_latest"]) for r in rows] == [
        ("accept", "I50.23", "I50.23", True, True), ("accept", "E11.9", "E11.9", True, False),
        ("modify", "E11.9", "E11.22", False, True), ("reject", "C18.9", None, False, True),
        ("add", None, "Z85.038", None, True)]
    assert rows[0]["evidence_text"] == "acute on chronic systolic heart failure"
    assert rows[4]["evidence_text"] == "History of colon cancer" and rows[4]["confidence"] is None
    assert dict(rows[0]["model_versions"]) == {"scorer": "v1"} and rows[0]["tenant_id"] == "clinic-a"
    assert svc.log.audit_rows()[-1]["action"] == "export"


def test_export_without_text_leaves_the_note_out(svc, tmp_path):  # noqa: F811
    _review(svc)
    export_feedback(svc.log, tmp_path / "x.parquet", with_text=False)
    rows = pq.read_table(tmp_path / "x.parquet").to_pylist()
    assert len(rows) == 5
    assert all(r["note_text"] is None and r["evidence_text"] is None for r in rows)


def test_shadow_report_counts_agreement_precision_and_recall(svc, tmp_path):  # noqa: F811
    _review(svc)
    r = shadow_report(svc.log, svc.codesets)
    # suggested {I50.23, E11.9, C18.9}; final {I50.23, E11.22, Z85.038}; one in common
    assert r.encounters == 1
    assert (r.overall.suggested, r.overall.final, r.overall.tp_s) == (3, 3, 1)
    assert r.overall.precision == pytest.approx(1 / 3) and r.overall.recall == pytest.approx(1 / 3)
    assert r.overall.agreement == pytest.approx(1 / 3)
    circ = next(v for k, v in r.by_chapter.items() if k.startswith("09 "))
    assert (circ.precision, circ.recall) == (1.0, 1.0)
    endo = next(v for k, v in r.by_chapter.items() if k.startswith("04 "))
    assert (endo.precision, endo.recall) == (0.0, 0.0)
    text = format_report(r)
    assert "overall" in text and " 33.3%" in text
    pngs = write_charts(r, tmp_path / "charts")
    assert [p.name for p in pngs] == ["shadow_by_chapter.png"]
    assert pngs[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_shadow_report_groups_by_specialty_when_known(svc, tmp_path):  # noqa: F811
    svc.keep(coded("encC"), "encC", "clinic-a", specialty="cardiology")
    svc.decide(ALICE, Decision("encC", "accept", "", "alice", suggestion_id="encC:1"), "http")
    r = shadow_report(svc.log, svc.codesets)
    assert r.by_specialty["cardiology"].agreement == 1.0
    assert [p.name for p in write_charts(r, tmp_path)] == ["shadow_by_chapter.png", "shadow_by_specialty.png"]

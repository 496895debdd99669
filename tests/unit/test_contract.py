"""The committed stubs are what the proto generates; the contract has what callers rely on."""
from __future__ import annotations

import filecmp
from pathlib import Path

from client import gen_stubs
from client.contract import SERVICE_NAME, pb


def test_committed_stubs_match_the_proto(tmp_path):
    written = gen_stubs.generate(out_dir=tmp_path)
    assert written
    for fresh in written:
        committed = gen_stubs.PROTO_ROOT / fresh.relative_to(tmp_path)
        assert committed.exists(), f"{committed} missing: run `make stubs`"
        assert filecmp.cmp(fresh, committed, shallow=False), f"{committed.name} is stale: run `make stubs`"


def test_service_and_rpcs():
    assert SERVICE_NAME == "medcoder.v1.CodingService"
    service = pb.DESCRIPTOR.services_by_name["CodingService"]
    methods = {m.name: (m.client_streaming, m.server_streaming) for m in service.methods}
    assert methods == {"CodeEncounter": (False, False), "CodeEncounters": (True, True),
                       "ScoreClaim": (False, False), "SubmitReview": (False, False),
                       "ReportRemittance": (False, False)}


def test_every_code_carries_what_a_coder_needs():
    fields = set(pb.CodeSuggestion.DESCRIPTOR.fields_by_name)
    assert {"system", "code", "description", "confidence", "evidence", "assertion", "notes"} <= fields
    assert set(pb.CodeSystem.keys()) >= {"ICD10CM", "ICD10PCS", "HCPCS", "CPT"}
    assert {"start", "end"} <= set(pb.Span.DESCRIPTOR.fields_by_name)

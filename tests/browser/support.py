"""A real gateway with the review page on a free port and two coders in two tenants; shared by the
review integration tests and the browser test."""
from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

from client.contract import pb, pb_grpc
from tests.integration.conftest import Gateway, start_gateway

_REVIEW = re.compile(r"review page on (http://[\d.]+:\d+)")
TOKENS = {"alice": ("alice-token-0001", "clinic-a"), "bob": ("bob-token-000002", "clinic-b"),
          "carol": ("carol-token-0003", "clinic-a")}
NOTE = (Path(__file__).resolve().parents[2] / "examples" / "notes" / "discharge_chf.txt").read_text()


@dataclass
class ReviewGateway:
    gateway: Gateway
    url: str
    tokens_path: Path

    @property
    def db_path(self) -> Path:
        return self.gateway.data_dir / "decisions.sqlite3"

    def code(self, coder: str, note: str = NOTE, doc_id: str = "chf-1", specialty: str = "") -> "pb.CodedEncounter":
        """Code a note through gRPC as ``coder``'s tenant (the bearer token names it)."""
        md = [("authorization", f"Bearer {TOKENS[coder][0]}")] + ([("x-specialty", specialty)] if specialty else [])
        with self.gateway.channel() as ch:
            resp = pb_grpc.CodingServiceStub(ch).CodeEncounter(
                pb.CodeEncounterRequest(document=pb.Document(content=note.encode(), id=doc_id)),
                metadata=md, timeout=60)
        return resp.encounter


def write_tokens(path: Path) -> Path:
    path.write_text("# token coder tenant\n" + "".join(f"{t} {c} {ten}\n" for c, (t, ten) in TOKENS.items()))
    return path


def review_url_of(gw: Gateway, timeout_s: float = 30.0) -> str:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        m = _REVIEW.search(gw.log())
        if m:
            return m.group(1)
        time.sleep(0.1)
    raise RuntimeError("gateway did not log its review page URL")


def start_review_gateway(tmp: Path, cache_dir: Path) -> ReviewGateway:
    tokens = write_tokens(tmp / "tokens.txt")
    gw = start_gateway(tmp, cache_dir, {"MEDCODER_REVIEW_PORT": "0", "MEDCODER_REVIEW_TOKENS": str(tokens)})
    return ReviewGateway(gw, review_url_of(gw), tokens)

"""Review as one component (server.review.component.Review), on 127.0.0.1 with real SQLite and real
code sets: ``start`` brings up the page and the retention purge, ``stop`` takes both down and closes
the log, and a taken page port leaves reviews working without a page."""
from __future__ import annotations

import json
import socket
import sqlite3
import time
import urllib.error
import urllib.request

import pytest

from server.config import Config
from server.review.component import Review
from server.review.log import Decision
from tests.browser.support import TOKENS, write_tokens
from tests.unit.test_review_service import coded, codesets  # noqa: F401 - fixture

pytestmark = pytest.mark.integration
ALICE = {"authorization": f"Bearer {TOKENS['alice'][0]}"}


def _get(url: str) -> tuple[int, str]:
    req = urllib.request.Request(url, headers={"Authorization": ALICE["authorization"]})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return resp.status, resp.read().decode()


def test_start_serves_the_page_and_stop_takes_it_down_with_the_log(tmp_path, codesets):  # noqa: F811
    config = Config(data_dir=tmp_path, review_port=0, review_tokens=write_tokens(tmp_path / "tokens.txt"))
    review = Review.open(config, codesets)
    url = review.start(page=True)
    assert url and url == review.http_url and url.startswith("http://127.0.0.1:")
    review.keep(coded("encA"), "encA", review.coding_tenant(ALICE), "cardiology")
    status, page = _get(url + "/queue")
    assert status == 200 and "/encounters/encA" in page
    assert json.loads(_get(url + "/api/codes?q=I50.23")[1])["results"][0]["code"] == "I50.23"
    who = review.grpc_coder(ALICE, "alice")
    decision_id, _ = review.submit(Decision("encA", "accept", "", "alice", suggestion_id="encA:1"), who, "grpc")
    review.stop(grace_s=2)
    review.stop()                                   # a second stop (engine.close after the app's) is harmless
    with pytest.raises(urllib.error.URLError):
        _get(url + "/queue")
    with sqlite3.connect(tmp_path / "decisions.sqlite3") as conn:
        assert conn.execute("SELECT decision_id FROM decisions").fetchall() == [(decision_id,)]


def test_start_purges_encounters_past_their_retention_at_once(tmp_path, codesets):  # noqa: F811
    config = Config(data_dir=tmp_path, review_retention_days=2 / 86400)   # two seconds
    review = Review.open(config, codesets)
    review.keep(coded("old"), "old", "default")
    review.service.search.warm()        # so that start() purges at once, while "new" is young
    time.sleep(2.1)
    review.keep(coded("new"), "new", "default")
    try:
        assert review.start(page=False) is None
        deadline = time.monotonic() + 10
        while not review.log.purges() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [p["encounters"] for p in review.log.purges()][:1] == [1]   # the first round: "old" only
        assert review.log.encounter("old") is None
    finally:
        review.stop(grace_s=2)


def test_a_taken_page_port_leaves_reviews_working_and_says_so(tmp_path, codesets, caplog):  # noqa: F811
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        review = Review.open(Config(data_dir=tmp_path, review_port=port), codesets)
        try:
            assert review.start(page=True) is None and review.http_url is None
            assert f"review page NOT started: cannot bind 127.0.0.1:{port}" in caplog.text
            review.keep(coded("encA"), "encA", review.coding_tenant({}))
            assert review.submit(Decision("encA", "accept", "", "alice", suggestion_id="encA:1"))[0]
        finally:
            review.stop()

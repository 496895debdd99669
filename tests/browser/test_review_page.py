"""End to end in real headless Chromium: a coder logs in, opens the queue and an encounter, sees the
evidence highlighted, accepts / modifies / rejects a code and adds a missed one, all from the
keyboard; the database then holds exactly those four decisions and the Parquet export has them."""
from __future__ import annotations

import sqlite3
import subprocess
import sys
from urllib.parse import urlsplit

import pyarrow.parquet as pq
import pytest
from playwright.sync_api import expect

from tests.browser.support import TOKENS
from tests.integration.conftest import REPO

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.slow]
ADDED_TEXT = "History of colon cancer, status post resection in 2015"


def _ready(page, selector: str = "") -> None:
    """Wait for the page's keyboard shortcuts to be live (and ``selector`` to show)."""
    if selector:
        page.wait_for_selector(selector)
    page.wait_for_selector("body[data-ready='1']", state="attached")


def _submit(page, press, selector: str) -> None:
    """Press a key that posts a form, wait for the answer page to load and be live."""
    with page.expect_navigation():
        press()
    _ready(page, selector)


def _decisions(db) -> list[dict]:
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute("SELECT * FROM decisions ORDER BY recorded_at")]


def _select_text(page, text: str) -> None:
    """Select ``text`` in the note as a coder would with the mouse, then release the button."""
    page.evaluate("""(needle) => {
        const note = document.getElementById('note');
        const at = note.textContent.indexOf(needle);
        if (at < 0) throw new Error('text not found in the note');
        const walker = document.createTreeWalker(note, NodeFilter.SHOW_TEXT);
        const r = document.createRange();
        let node, seen = 0;
        while ((node = walker.nextNode())) {
            const len = node.textContent.length;
            if (seen <= at && at < seen + len) r.setStart(node, at - seen);
            if (seen < at + needle.length && at + needle.length <= seen + len) r.setEnd(node, at + needle.length - seen);
            seen += len;
        }
        const sel = window.getSelection(); sel.removeAllRanges(); sel.addRange(r);
        note.dispatchEvent(new MouseEvent('mouseup', {bubbles: true}));
    }""", text)


def _pick_code(page, field, typed: str, expect: str) -> None:
    """Type into a code search box, wait for the hit, choose it with the keyboard."""
    field.type(typed, delay=20)
    hit = field.locator("xpath=..").locator(f".results.open div[data-code='{expect}']")
    hit.wait_for(state="visible", timeout=10_000)
    for _ in range(25):   # the first hit is highlighted; walk down to the one we want
        if field.locator("xpath=..").locator(".results div.hl").get_attribute("data-code") == expect:
            break
        field.press("ArrowDown")
    field.press("Enter")
    assert field.input_value() == expect


def _open_from_queue(page, url: str, enc) -> None:
    """The queue asks for a token first; the encounter opens from the keyboard."""
    page.goto(url + "/queue")
    assert urlsplit(page.url).path == "/login"
    page.fill("#token", TOKENS["alice"][0])
    page.keyboard.press("Enter")
    page.wait_for_url("**/queue")
    _ready(page)
    row = page.locator("tr.qrow", has_text="chf-1")
    assert row.count() == 1 and "to do" in row.inner_text()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/encounters/{enc.encounter_id}")
    _ready(page)


def _modify(page, card, target: str) -> None:
    """"m", search the code set, pick from the list (its hierarchy shows), give a reason."""
    page.keyboard.press("m")
    field = card.locator(".f-modify .code-input")
    assert field.evaluate("el => el === document.activeElement")
    _pick_code(page, field, target, target)
    expect(card.locator(".hier")).to_contain_text(target.split(".")[0])   # fetched after the pick
    card.locator(".f-modify .reason").fill("documentation supports the other code")
    _submit(page, lambda: card.locator(".f-modify .reason").press("Enter"), "p.saved")


def _reject(page, card, db) -> None:
    """"r": an empty reason is refused with a message and writes nothing; then a real reason."""
    page.keyboard.press("r")
    _submit(page, lambda: card.locator(".f-reject .reason").press("Enter"), "p.error")
    assert "a reason is required to reject" in page.locator("p.error").inner_text()
    assert len(_decisions(db)) == 2
    page.keyboard.press("r")
    page.keyboard.type("not documented as a current condition")
    _submit(page, lambda: page.keyboard.press("Enter"), "p.saved")


def _add(page) -> None:
    """Select the supporting text, "n", search, pick, submit."""
    _select_text(page, ADDED_TEXT)
    assert "characters" in page.locator("#selection").inner_text()
    page.keyboard.press("n")
    add = page.locator("#add-code")
    _pick_code(page, add, "Z85.038", "Z85.038")
    _submit(page, lambda: add.press("Enter"), "p.saved")
    assert "Z85.038" in page.locator("section.added").inner_text()


def _exported(db, out) -> list[dict]:
    subprocess.run([sys.executable, "-m", "server.cli", "feedback", "export", str(out), "--db", str(db)],
                   cwd=REPO, check=True, capture_output=True, timeout=120)
    return pq.read_table(out).to_pylist()


def test_coder_reviews_an_encounter_from_the_keyboard(review_gateway, chromium, tmp_path):
    enc = review_gateway.code("alice")
    assert len(enc.codes) >= 3, "the CHF note should get at least three suggestions"
    outside: list[str] = []
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    context.route("**/*", lambda route: (route.continue_() if urlsplit(route.request.url).hostname == "127.0.0.1"
                                         else (outside.append(route.request.url), route.abort())))
    page = context.new_page()
    page.set_default_timeout(15_000)
    _open_from_queue(page, review_gateway.url, enc)

    marks = page.locator("mark.ev")                                # evidence highlighted ...
    assert marks.count() > 0 and marks.first.is_visible()
    assert page.locator("mark.ev.active").count() > 0             # ... and linked to the selected code
    cards = page.locator("article.card")
    codes = [cards.nth(i).locator(".code").inner_text() for i in range(3)]
    shot = tmp_path / "review-encounter.png"
    page.screenshot(path=str(shot), full_page=True)
    print(f"\nscreenshot: {shot}")

    _submit(page, lambda: page.keyboard.press("a"), "p.saved")
    assert "Accepted by alice" in cards.nth(0).inner_text()
    target = "I10" if codes[1] == "E11.9" else "E11.9"
    _modify(page, cards.nth(1), target)
    assert f"Modified to {target}" in cards.nth(1).inner_text()
    _reject(page, cards.nth(2), review_gateway.db_path)
    assert "Rejected by alice" in cards.nth(2).inner_text()
    _add(page)
    page.screenshot(path=str(tmp_path / "review-after.png"), full_page=True)
    context.close()
    assert outside == [], "the page must not load anything from outside 127.0.0.1"

    rows = _decisions(review_gateway.db_path)
    assert [(r["action"], r["suggested_code"], r["final_code"]) for r in rows] == [
        ("accept", codes[0], codes[0]), ("modify", codes[1], target), ("reject", codes[2], ""),
        ("add", "", "Z85.038")]
    assert all(r["coder_id"] == "alice" and r["tenant_id"] == "clinic-a" for r in rows)
    assert enc.text[rows[3]["evidence_start"]:rows[3]["evidence_end"]] == ADDED_TEXT

    table = _exported(review_gateway.db_path, tmp_path / "feedback.parquet")
    assert [r["decision_id"] for r in table] == [r["decision_id"] for r in rows]
    assert [r["action"] for r in table] == ["accept", "modify", "reject", "add"]
    assert table[3]["evidence_text"] == ADDED_TEXT and table[2]["suggestion_correct"] is False

    # note text, coders' reasons and tokens are secrets: none of it reaches the gateway's DEBUG log
    log = review_gateway.gateway.log()
    for secret in ("colon cancer", "pulmonary vascular congestion", "not documented as a current condition",
                   TOKENS["alice"][0]):
        assert secret not in log

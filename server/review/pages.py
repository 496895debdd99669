"""Server-rendered HTML of the review page. Everything dynamic goes through ``html.escape``; the
only script is /static/review.js (same origin; the Content-Security-Policy forbids anything else).
"""
from __future__ import annotations

from html import escape
from typing import Any, Iterable

from server.review.auth import Coder

_ACTIONS_PAST = {"accept": "Accepted", "modify": "Modified", "reject": "Rejected", "add": "Added"}
SHORTCUTS = (("j / k", "next / previous code"), ("a", "accept the selected code"),
             ("m", "modify: search a replacement code"), ("r", "reject: type the reason"),
             ("n", "add a missed code for the selected text"), ("Enter", "submit the focused form"),
             ("Esc", "leave a field"), ("g", "back to the queue"), ("?", "show / hide this help"))


def _e(value: Any) -> str:
    return escape(str(value), quote=True)


def layout(title: str, body: str, who: Coder | None = None, csrf: str = "") -> str:
    user = ""
    if who is not None:
        user = (f'<span class="who">{_e(who.coder_id)} · {_e(who.tenant_id)}</span>'
                f'<form method="post" action="/logout" class="inline"><input type="hidden" name="csrf" '
                f'value="{_e(csrf)}"><button type="submit">Log out</button></form>')
    return ("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{_e(title)} · medcoder review</title>"
            '<link rel="stylesheet" href="/static/review.css"><script src="/static/review.js" defer></script>'
            f'</head><body><nav><a href="/queue" class="brand">medcoder review</a>'
            f'<a href="/denials">Denials</a>{user}</nav>'
            f"<main>{body}</main></body></html>")


def message_page(title: str, message: str) -> str:
    return layout(title, f'<h1>{_e(title)}</h1><p class="error" role="alert">{_e(message)}</p>'
                         '<p><a href="/queue">Back to the queue</a></p>')


def login_page(error: str = "") -> str:
    err = f'<p class="error" role="alert">{_e(error)}</p>' if error else ""
    return layout("Log in", f"""<h1>Coder login</h1>{err}
<form method="post" action="/login" class="login"><label>Token
<input type="password" name="token" id="token" autocomplete="off" autofocus></label>
<button type="submit">Log in</button></form>""")


def queue_page(who: Coder, csrf: str, rows: list[dict[str, Any]]) -> str:
    if not rows:
        table = '<p class="empty">No encounters to review for your tenant yet.</p>'
    else:
        trs = "".join(_queue_row(n, r) for n, r in enumerate(rows))
        table = ('<table class="queue"><thead><tr><th>Document</th><th>Coded at</th><th>Setting</th>'
                 f'<th>Reviewed</th><th>Added</th><th>Status</th></tr></thead><tbody>{trs}</tbody></table>')
    return layout("Queue", f'<h1>Work queue</h1><p class="hint">j / k to move, Enter to open.</p>{table}', who, csrf)


def _queue_row(n: int, r: dict[str, Any]) -> str:
    total, done = int(r["n_suggestions"]), int(r["n_decided"])
    status = "done" if total and done >= total else ("in progress" if done or r["n_added"] else "to do")
    name = r["doc_id"] or r["encounter_id"][:12]
    return (f'<tr class="qrow" data-row="{n}"><td><a href="/encounters/{_e(r["encounter_id"])}">{_e(name)}</a></td>'
            f'<td>{_e(r["coded_at"][:19].replace("T", " "))}</td><td>{_e(r["setting"])}</td>'
            f'<td>{done} / {total}</td><td>{int(r["n_added"])}</td><td class="st-{status[:2]}">{status}</td></tr>')


def ranked(codes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Sequence first (principal / first-listed), then confidence."""
    return sorted(codes, key=lambda c: (c["sequence"] <= 0, c["sequence"], -c["confidence"]))


def note_html(text: str, codes: list[dict[str, Any]]) -> str:
    """The note with each evidence span in a <mark> that names the cards it supports.

    Carriage returns become spaces so the browser's text keeps the server's character offsets.
    """
    text = text.replace("\r", " ")
    cover: list[tuple[int, int, int]] = []
    for n, c in enumerate(codes):
        for start, end, _section in c["evidence"]:
            if 0 <= start < end <= len(text):
                cover.append((start, end, n))
    cuts = sorted({0, len(text), *(s for s, _, _ in cover), *(e for _, e, _ in cover)})
    out = []
    for a, b in zip(cuts, cuts[1:]):
        cards = sorted({n for s, e, n in cover if s <= a and b <= e})
        piece = _e(text[a:b])
        if cards:
            ids = " ".join(str(n) for n in cards)
            out.append(f'<mark class="ev" data-cards="{ids}" data-start="{a}">{piece}</mark>')
        else:
            out.append(piece)
    return "".join(out)


def encounter_page(who: Coder, csrf: str, view: dict[str, Any], error: str = "", saved: str = "") -> str:
    codes = ranked(view["result"]["codes"])
    eid = view["encounter_id"]
    banner = f'<p class="error" role="alert">{_e(error)}</p>' if error else ""
    if saved:
        banner += f'<p class="saved" role="status">Saved: {_e(saved)}</p>'
    cards = "".join(_card(n, c, view["latest"].get(c["suggestion_id"]), eid, csrf) for n, c in enumerate(codes))
    versions = ", ".join(f"{k} {v}" for k, v in sorted(view["result"].get("model_versions", {}).items()))
    body = f"""<h1>{_e(view["doc_id"] or eid[:12])} <small>{_e(view["setting"])} · coded {_e(view["coded_at"][:19].replace("T", " "))}</small></h1>
{banner}<div class="review" data-encounter="{_e(eid)}">
<section class="note-pane"><h2>Note</h2><pre id="note">{note_html(view["text"], codes)}</pre>
<p class="hint">Select text, then press <kbd>n</kbd> to add a missed code. <kbd>?</kbd> for all keys.</p></section>
<section class="codes-pane"><h2>Suggested codes <small>{len(codes)}</small></h2>{cards or '<p class="empty">No suggestions.</p>'}
{_add_form(eid, csrf)}{_added(view["added"])}{_cdi(view["result"]["cdi_queries"])}{_edits(view["result"]["edits"])}
<p class="versions">Model versions: {_e(versions or "unknown")}</p></section></div>{_help()}"""
    return layout(view["doc_id"] or "Encounter", body, who, csrf)


def _hidden(**fields: Any) -> str:
    return "".join(f'<input type="hidden" name="{k}" value="{_e(v)}">' for k, v in fields.items())


def _card(n: int, c: dict[str, Any], latest: dict | None, eid: str, csrf: str) -> str:
    action = f"/encounters/{_e(eid)}/decisions"
    base = dict(csrf=csrf, suggestion_id=c["suggestion_id"], suggested_code=c["code"])
    status = ""
    if latest:
        what = _ACTIONS_PAST[latest["action"]]
        extra = f' to <b>{_e(latest["final_code"])}</b>' if latest["action"] == "modify" else ""
        why = f' — “{_e(latest["reason"])}”' if latest["reason"] else ""
        status = (f'<p class="status st-{latest["action"]}">{what}{extra} by {_e(latest["coder_id"])}'
                  f'{why}</p>')
    notes = "".join(f'<li><b>{_e(x["kind"])}</b> {_e(x["message"])}'
                    f'{" → " + _e(x["related_code"]) if x.get("related_code") else ""}</li>' for x in c["notes"])
    principal = ' <span class="badge principal">principal</span>' if c["principal"] else ""
    return f"""<article class="card{' decided' if latest else ''}" id="card-{n}" data-card="{n}" tabindex="-1">
<header><span class="rank">{n + 1}</span> <b class="code">{_e(c["code"])}</b>{principal}
<span class="conf" title="confidence">{c["confidence"] * 100:.0f}%</span>
<span class="badge as-{_e(c["assertion"])}">{_e(c["assertion"])}</span>
<span class="sys">{_e(c["system"])}</span></header>
<p class="desc">{_e(c["description"])}</p>{status}
{f'<ul class="notes">{notes}</ul>' if notes else ''}
<div class="actions">
<form method="post" action="{action}" class="f-accept">{_hidden(action="accept", **base)}<button type="submit">Accept <kbd>a</kbd></button></form>
<form method="post" action="{action}" class="f-modify">{_hidden(action="modify", **base)}
<input name="final_code" class="code-input" data-system="{_e(c["system"])}" placeholder="new code or words (m)" autocomplete="off">
<input name="reason" class="reason" placeholder="why (required)"><button type="submit">Modify</button>
<div class="results" role="listbox"></div><div class="hier"></div></form>
<form method="post" action="{action}" class="f-reject">{_hidden(action="reject", **base)}
<input name="reason" class="reason" placeholder="reason to reject (r, required)"><button type="submit">Reject</button></form>
</div></article>"""


def _add_form(eid: str, csrf: str) -> str:
    return f"""<section class="add"><h2>Add a missed code</h2>
<form method="post" action="/encounters/{_e(eid)}/decisions" class="f-add" id="add-form">
{_hidden(csrf=csrf, action="add")}<input type="hidden" name="evidence_start" id="ev-start">
<input type="hidden" name="evidence_end" id="ev-end">
<p class="selection" id="selection">No text selected.</p>
<select name="system"><option value="ICD10CM">ICD-10-CM</option><option value="ICD10PCS">ICD-10-PCS</option></select>
<input name="final_code" class="code-input" id="add-code" data-system="ICD10CM" placeholder="code or words (n)" autocomplete="off">
<input name="reason" class="reason" placeholder="note (optional)"><button type="submit">Add code</button>
<div class="results" role="listbox"></div><div class="hier"></div></form></section>"""


def _added(rows: Iterable[dict[str, Any]]) -> str:
    items = "".join(f'<li><b>{_e(d["final_code"])}</b> by {_e(d["coder_id"])} '
                    f'(chars {d["evidence_start"]}–{d["evidence_end"]})</li>' for d in rows)
    return f'<section class="added"><h2>Added codes</h2><ul>{items}</ul></section>' if items else ""


def _cdi(queries: list[dict[str, Any]]) -> str:
    items = "".join(f'<li><b>{_e(q["code"])}</b> {_e(q["question"])}'
                    f'{" <small>missing: " + _e(", ".join(q["missing"])) + "</small>" if q["missing"] else ""}</li>'
                    for q in queries)
    return f'<section class="cdi"><h2>CDI queries</h2><ul>{items}</ul></section>' if items else ""


def _edits(edits: list[dict[str, Any]]) -> str:
    items = "".join(f'<li class="sev-{_e(x["severity"])}"><b>{_e(x["kind"])}</b> [{_e(x["severity"])}] '
                    f'{_e(", ".join(x["codes"]))}: {_e(x["rationale"])}'
                    f'{" <small>fix: " + _e(x["suggested_fix"]) + "</small>" if x["suggested_fix"] else ""}</li>'
                    for x in edits)
    return f'<section class="edits"><h2>Compliance edits</h2><ul>{items}</ul></section>' if items else ""


def _help() -> str:
    rows = "".join(f"<tr><td><kbd>{_e(k)}</kbd></td><td>{_e(v)}</td></tr>" for k, v in SHORTCUTS)
    return f'<aside id="help" hidden><h2>Keyboard</h2><table>{rows}</table></aside>'


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{x * 100:.1f}%"


def denials_page(who: Coder, csrf: str, report, threshold: float) -> str:
    """What each payer denied (top CARCs, codes, edits) and how much of it was predicted."""
    if not report:
        body = '<p class="empty">No remittances imported for your tenant yet (medcoder denials import FILE).</p>'
    else:
        rows = "".join(
            f"<tr><td>{_e(p.payer)}</td><td>{p.claims}</td><td>{p.denied}</td><td>{p.scored_denied}</td>"
            f"<td>{p.edits_predicted}</td><td>{p.flagged_denied}</td><td>{_pct(p.precision)}</td>"
            f"<td>{_pct(p.recall)}</td><td>{_top(p.carcs)}</td><td>{_top(p.codes)}</td><td>{_top(p.edits)}</td></tr>"
            for p in report)
        body = ('<table class="denials"><thead><tr><th>Payer</th><th>Claims</th><th>Denied</th>'
                '<th>Denied, scored here</th><th>Edits predicted</th><th>Score flagged</th><th>Precision</th>'
                '<th>Recall</th><th>Top CARCs</th><th>Top codes</th><th>Top edits</th></tr></thead>'
                f'<tbody>{rows}</tbody></table>')
    return layout("Denials", f'<h1>Denials by payer</h1><p class="hint">A claim is flagged when its denial risk '
                             f'was at least {threshold:g} when scored here.</p>{body}', who, csrf)


def _top(counts, n: int = 5) -> str:
    return _e(", ".join(f"{k} ({v})" for k, v in counts.most_common(n))) or "–"

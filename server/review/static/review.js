// medcoder review: keyboard shortcuts, evidence <-> code linking, text selection for added codes,
// and the code search box. Forms work without this file; it only makes them faster.
"use strict";
(function () {
  const $ = (sel, root) => (root || document).querySelector(sel);
  const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));
  const typing = (el) => el && (el.tagName === "INPUT" || el.tagName === "SELECT" || el.tagName === "TEXTAREA");

  // -- queue ---------------------------------------------------------------------------------
  function queueKeys() {
    const rows = $$("tr.qrow");
    if (!rows.length) return;
    let at = 0;
    const show = () => rows.forEach((r, i) => r.classList.toggle("sel", i === at));
    show();
    document.addEventListener("keydown", (ev) => {
      if (typing(document.activeElement)) return;
      if (ev.key === "j" || ev.key === "ArrowDown") { at = Math.min(at + 1, rows.length - 1); show(); ev.preventDefault(); }
      else if (ev.key === "k" || ev.key === "ArrowUp") { at = Math.max(at - 1, 0); show(); ev.preventDefault(); }
      else if (ev.key === "Enter") { $("a", rows[at]).click(); }
    });
  }

  // -- encounter: cards and evidence -----------------------------------------------------------
  let cards = [], current = -1;
  function select(n, scroll) {
    if (!cards.length) return;
    current = Math.max(0, Math.min(n, cards.length - 1));
    cards.forEach((c, i) => c.classList.toggle("sel", i === current));
    const marks = $$("mark.ev");
    marks.forEach((m) => m.classList.toggle("active", m.dataset.cards.split(" ").includes(String(current))));
    if (scroll) {
      cards[current].scrollIntoView({ block: "nearest" });
      const first = marks.find((m) => m.classList.contains("active"));
      if (first) first.scrollIntoView({ block: "nearest" });
    }
  }

  // Offsets in code points from the start of the note (Python counts code points, JS UTF-16 units).
  function offsetIn(note, node, offset) {
    const r = document.createRange();
    r.setStart(note, 0);
    r.setEnd(node, offset);
    return Array.from(r.toString()).length;
  }

  function captureSelection() {
    const note = $("#note"), sel = window.getSelection();
    if (!note || !sel || sel.rangeCount === 0 || sel.isCollapsed) return;
    const range = sel.getRangeAt(0);
    if (!note.contains(range.startContainer) || !note.contains(range.endContainer)) return;
    const start = offsetIn(note, range.startContainer, range.startOffset);
    const end = offsetIn(note, range.endContainer, range.endOffset);
    if (end <= start) return;
    $("#ev-start").value = start;
    $("#ev-end").value = end;
    const text = range.toString();
    $("#selection").textContent = "Selected: \u201c" + (text.length > 120 ? text.slice(0, 117) + "\u2026" : text) +
      "\u201d (characters " + start + "\u2013" + end + ")";
  }

  function encounterKeys() {
    cards = $$("article.card");
    const note = $("#note");
    if (!note) return;
    note.addEventListener("mouseup", captureSelection);
    note.addEventListener("keyup", captureSelection);
    document.addEventListener("selectionchange", () => {
      const sel = window.getSelection();
      if (sel && !sel.isCollapsed && note.contains(sel.anchorNode)) captureSelection();
    });
    $$("mark.ev").forEach((m) => m.addEventListener("click", () => select(Number(m.dataset.cards.split(" ")[0]), true)));
    cards.forEach((c, i) => c.addEventListener("click", () => select(i, false)));
    const firstOpen = cards.findIndex((c) => !c.classList.contains("decided"));
    select(firstOpen >= 0 ? firstOpen : 0, false);
    document.addEventListener("keydown", onKey);
  }

  function onKey(ev) {
    if (ev.key === "Escape") { document.activeElement.blur(); closeResults(); return; }
    if (typing(document.activeElement) || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const card = cards[current];
    const act = {
      j: () => select(current + 1, true), ArrowDown: () => select(current + 1, true),
      k: () => select(current - 1, true), ArrowUp: () => select(current - 1, true),
      a: () => card && $(".f-accept", card).requestSubmit(),
      m: () => card && $(".f-modify .code-input", card).focus(),
      r: () => card && $(".f-reject .reason", card).focus(),
      n: () => { captureSelection(); $("#add-code").focus(); },
      g: () => { window.location.href = "/queue"; },
      "?": () => { const h = $("#help"); h.hidden = !h.hidden; },
    }[ev.key];
    if (act) { ev.preventDefault(); act(); }
  }

  // -- code search ------------------------------------------------------------------------------
  function closeResults() { $$(".results.open").forEach((r) => r.classList.remove("open")); }

  function renderHits(box, hits, input) {
    box.innerHTML = "";
    hits.forEach((h, i) => {
      const div = document.createElement("div");
      div.setAttribute("role", "option");
      div.dataset.code = h.code;
      const path = (h.path || []).map((p) => p.code).join(" \u203a ");
      div.innerHTML = "<b></b> <span></span><small></small>";
      div.querySelector("b").textContent = h.code + (h.billable ? "" : " (category)");
      div.querySelector("span").textContent = h.description;
      div.querySelector("small").textContent = path;
      if (i === 0) div.classList.add("hl");
      div.addEventListener("mousedown", (e) => { e.preventDefault(); pick(input, h.code); });
      box.appendChild(div);
    });
    box.classList.toggle("open", hits.length > 0);
  }

  async function showHierarchy(input, code) {
    const hier = $(".hier", input.form);
    const system = input.form.elements.system ? input.form.elements.system.value : input.dataset.system;
    const resp = await fetch("/api/codes/" + encodeURIComponent(code) + "?system=" + system, { credentials: "same-origin" });
    if (!resp.ok) { hier.textContent = ""; return; }
    const info = await resp.json();
    hier.innerHTML = "";
    const line = document.createElement("small");
    line.textContent = (info.path || []).map((p) => p.code + " " + p.description).concat([info.code + " " + info.description]).join(" \u203a ");
    hier.appendChild(line);
    (info.children || []).slice(0, 30).forEach((c) => {
      const a = document.createElement("a");
      a.textContent = c.code + " " + c.description;
      a.addEventListener("click", () => pick(input, c.code));
      const row = document.createElement("div");
      row.appendChild(a);
      hier.appendChild(row);
    });
  }

  function pick(input, code) {
    input.value = code;
    closeResults();
    showHierarchy(input, code);
    input.focus();
  }

  function searchBox(input) {
    const box = $(".results", input.form);
    let timer = null, seq = 0;
    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(async () => {
        const q = input.value.trim(), mine = ++seq;
        if (q.length < 2) { renderHits(box, [], input); return; }
        const system = input.form.elements.system ? input.form.elements.system.value : input.dataset.system;
        const resp = await fetch("/api/codes?system=" + system + "&q=" + encodeURIComponent(q), { credentials: "same-origin" });
        if (!resp.ok || mine !== seq) return;
        renderHits(box, (await resp.json()).results, input);
      }, 120);
    });
    input.addEventListener("keydown", (ev) => {
      const items = $$("div", box);
      if (!box.classList.contains("open") || !items.length) return;
      const at = items.findIndex((d) => d.classList.contains("hl"));
      const move = (n) => { items.forEach((d) => d.classList.remove("hl")); items[n].classList.add("hl"); items[n].scrollIntoView({ block: "nearest" }); };
      if (ev.key === "ArrowDown") { ev.preventDefault(); move(Math.min(at + 1, items.length - 1)); }
      else if (ev.key === "ArrowUp") { ev.preventDefault(); move(Math.max(at - 1, 0)); }
      else if (ev.key === "Enter" && at >= 0) { ev.preventDefault(); pick(input, items[at].dataset.code); }
    });
    input.addEventListener("blur", () => setTimeout(() => box.classList.remove("open"), 150));
  }

  document.addEventListener("DOMContentLoaded", () => {
    queueKeys();
    encounterKeys();
    $$("input.code-input").forEach(searchBox);
    document.body.dataset.ready = "1";   // shortcuts are live (tests wait for this)
  });
})();

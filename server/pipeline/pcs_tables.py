"""ICD-10-PCS value tables compiled from the code set's own long descriptions.

A PCS code is seven axes; within a section, body system and root operation (a "table", the
code's first three characters) each character position names one value: "0FT44ZZ Resection of
Gallbladder, Percutaneous Endoscopic Approach" says 0F.. body part 4 = "Gallbladder", section 0
approach 4 = "Percutaneous Endoscopic". Reading every description this way gives the tables a coder
works from (root operation, body part, approach, device, qualifier), built from the code set the
server loaded and never copied by hand. Compiled once per code set into the one compiled cache.

Only sections 0 (Medical and Surgical) and 1 (Obstetrics) are compiled: their descriptions share
the "<Root> [of] <Body Part>[ with <Device>][, <Qualifier>], <Approach>" layout.
"""
from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from rules_native import cache

SECTIONS = "01"
LABEL = "pcs-tables"
_FILE = "pcs_tables.json"
_APPROACH_START = ("Open", "Percutaneous", "Via Natural", "External")
_COMPILER = (Path(__file__),)
_TRAILING = frozenset((",", "to", "from", "with", "using", "into", "in", "on"))


@dataclass(frozen=True)
class PcsTables:
    """``roots[section + root char]`` -> root operation ("0T" -> "Resection");
    ``approaches[section + char]``; ``body_parts[section + system][char]`` -> "Right Knee Joint";
    ``devices`` and ``qualifiers[table][char]`` (table: the code's first three characters);
    ``codes[table]`` -> that table's codes."""

    roots: dict[str, str]
    approaches: dict[str, str]
    body_parts: dict[str, dict[str, str]]
    devices: dict[str, dict[str, str]]
    qualifiers: dict[str, dict[str, str]]
    codes: dict[str, list[str]]

    def axes(self, code: str) -> tuple[str, str, str, str, str]:
        """(root operation, body part, approach, device, qualifier) of a compiled code:
        "0SRC0J9" -> ("Replacement", "Right Knee Joint", "Open", "Synthetic Substitute", "Cemented")."""
        t = code[:3]
        return (self.roots[code[0] + code[2]], self.body_parts.get(code[:2], {}).get(code[3], ""),
                self.approaches[code[0] + code[4]], self.devices.get(t, {}).get(code[5], ""),
                self.qualifiers.get(t, {}).get(code[6], ""))

    def to_json(self) -> dict:
        return {"roots": self.roots, "approaches": self.approaches, "body_parts": self.body_parts,
                "devices": self.devices, "qualifiers": self.qualifiers, "codes": self.codes}

    @classmethod
    def from_json(cls, data: dict) -> "PcsTables":
        return cls(data["roots"], data["approaches"], data["body_parts"], data["devices"],
                   data["qualifiers"], data["codes"])


def compile_tables(codes, descriptions) -> PcsTables:
    """The tables of sections 0 and 1 from (code, long description) pairs."""
    rows = []
    for code, desc in zip(codes, descriptions):
        if code[0] in SECTIONS:
            parsed = _split(desc)
            if parsed is not None:
                rows.append((code, *parsed))
    roots: dict[str, Counter] = defaultdict(Counter)
    approaches: dict[str, Counter] = defaultdict(Counter)
    middles: dict[tuple[str, str], list[list[str]]] = defaultdict(list)
    for code, root, middle, approach, _ in rows:
        roots[code[0] + code[2]][root] += 1
        approaches[code[0] + code[4]][approach] += 1
        middles[(code[:3], code[3])].append(_words(middle))
    # Each table's codes of one body-part value start with its name, except where the root
    # operation names the device first ("Removal of Drainage Device from Gallbladder"): the name
    # most tables of the body system agree on is the value's.
    votes: dict[str, dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))
    for (table, char), words in middles.items():
        name = _body_part(words)
        if name:
            votes[table[:2]][char][name] += 1
    body_parts = {system: {ch: _elect(c) for ch, c in d.items()} for system, d in votes.items()}
    devices: dict[str, dict[str, list[list[str]]]] = defaultdict(lambda: defaultdict(list))
    qual_texts: dict[str, dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))
    by_table: dict[str, list[str]] = defaultdict(list)
    for code, root, middle, approach, trailing in rows:
        by_table[code[:3]].append(code)
        device, qualifier = _device_and_qualifier(middle, body_parts.get(code[:2], {}).get(code[3], ""))
        qualifier = ", ".join(p for p in (qualifier, trailing) if p)
        if code[5] != "Z" and device:
            devices[code[:3]][code[5]].append(_words(device))
        if code[6] != "Z" and qualifier:
            qual_texts[code[:3]][code[6]][qualifier] += 1
    return PcsTables(
        roots={k: c.most_common(1)[0][0] for k, c in roots.items()},
        approaches={k: c.most_common(1)[0][0] for k, c in approaches.items()},
        body_parts=dict(body_parts),
        devices={t: {ch: _join(_common_prefix(ws)) for ch, ws in d.items()} for t, d in devices.items()},
        qualifiers={t: {ch: c.most_common(1)[0][0] for ch, c in d.items()} for t, d in qual_texts.items()},
        codes=dict(by_table))


def load_tables(icd10pcs, cache_dir: Path | None) -> PcsTables:
    """The tables of ``icd10pcs``, from the compiled cache when an entry for this code set's
    compiled folder and this module's code is there (``cache_dir`` None: built in memory)."""
    def make() -> PcsTables:
        return compile_tables((icd10pcs.code(i) for i in range(len(icd10pcs))),
                              (icd10pcs.description(i) for i in range(len(icd10pcs))))

    folder = getattr(icd10pcs, "cache_path", None)
    if cache_dir is None or folder is None:
        return make()
    key = cache.entry_key(LABEL, code=_COMPILER, parts=[Path(folder).name])
    tables, _ = cache.load_or_make(Path(cache_dir), LABEL, key, make, _save, _load)
    return tables


def _save(tables: PcsTables, folder: Path) -> None:
    (folder / _FILE).write_text(json.dumps(tables.to_json()), encoding="utf-8")


def _load(folder: Path) -> PcsTables:
    return PcsTables.from_json(json.loads((folder / _FILE).read_text(encoding="utf-8")))


def _split(desc: str) -> tuple[str, str, str, str] | None:
    """(root, middle, approach, trailing qualifier) of "Resection of Gallbladder, Percutaneous
    Endoscopic Approach" or "Excision of Adenoids, External Approach, Diagnostic"; None for a
    description out of that layout."""
    parts = desc.split(", ")
    at = next((i for i in range(len(parts) - 1, 0, -1) if parts[i].startswith(_APPROACH_START)), 0)
    if not at or len(parts) - at > 2:
        return None
    root, _, middle = ", ".join(parts[:at]).partition(" ")
    if middle.startswith("of "):
        middle = middle[3:]
    trailing = parts[at + 1] if at + 1 < len(parts) else ""
    return (root, middle, parts[at].removesuffix(" Approach"), trailing) if middle else None


def _device_and_qualifier(middle: str, body_part: str) -> tuple[str, str]:
    """("Synthetic Substitute", "Cemented") of "Right Knee Joint with Synthetic Substitute,
    Cemented"; ("Drainage Device", "") of "Drainage Device from Gallbladder"."""
    at = middle.find(body_part) if body_part else -1
    if at < 0:
        return "", ""
    before, tail = middle[:at].strip(), middle[at + len(body_part):].strip(" ,")
    if before:   # Insertion, Removal, Revision, Change: the device comes first
        device = before.rsplit(" ", 1)[0] if before.endswith((" into", " from", " in", " on")) else before
        return device, tail
    if tail.startswith("with "):
        device, _, qualifier = tail[5:].partition(", ")
        return device, qualifier
    if " with " in tail:   # "to Nasopharynx with Synthetic Substitute"
        qualifier, _, device = tail.partition(" with ")
        device, _, more = device.partition(", ")
        return device, ", ".join(p for p in (qualifier, more) if p)
    return "", tail


def _elect(votes: Counter) -> str:
    """The most voted name; a name that ends another's ("Right Knee Joint, Femoral Surface" of
    "Synthetic Substitute from Right Knee Joint, Femoral Surface") is that name without the device."""
    best = votes.most_common(1)[0][0]
    return min((n for n in votes if best == n or best.endswith(" " + n)), key=len)


def _body_part(descs: list[list[str]]) -> str:
    """The words every middle of one body-part value starts with, up to its device or qualifier
    ("Coronary Artery, One Artery" from "... One Artery with Drug-eluting ..." and "... One
    Artery, Bifurcation")."""
    words = _common_prefix(descs)
    for stop in ("with", "to", "from", "using"):
        if stop in words and len(descs) == 1:
            words = words[:words.index(stop)]
    if "with" in words:
        words = words[:words.index("with")]
    if len(descs) == 1 and "," in words:
        words = words[:words.index(",")]
    while words and words[-1] in _TRAILING:
        words = words[:-1]
    return _join(words)


def _words(text: str) -> list[str]:
    return text.replace(",", " ,").split()


def _join(words: list[str]) -> str:
    return " ".join(words).replace(" ,", ",")


def _common_prefix(seqs: list[list[str]]) -> list[str]:
    first = seqs[0]
    n = len(first)
    for s in seqs[1:]:
        k = 0
        while k < min(n, len(s)) and s[k] == first[k]:
            k += 1
        n = k
    return first[:n]

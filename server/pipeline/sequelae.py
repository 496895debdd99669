"""Sequelae (I.B.10): a residual condition and the cause it follows.

- Stroke (I.C.9.d): a deficit the note ties to a past or completed stroke ("expressive aphasia
  since a L MCA cerebral infarction 2 years ago", "R hemiparesis following L MCA stroke") is
  coded to I69 through the index (Sequelae > infarction > cerebral > aphasia -> I69.320), with
  the side and dominance (right side affected: dominant unless the patient is left-handed,
  I.C.9.d.1). The deficit's own code stays only where the I69 code asks for it (I69.391
  "use additional code" for the dysphagia type); Z86.73 (history without residuals) goes.
- Injury (I.C.19.a): an old injury that a present condition is a residual of ("hypertrophic scar
  of the L forearm from a laceration 14 months ago") is coded with the 7th character S.
"""
from __future__ import annotations

import bisect
import re
from typing import Sequence

from server.domain import Assertion, CodeSystem, RuleNote
from server.pipeline.entities import Sentence
from server.pipeline.index_tree import SIDES, walk_words
from server.pipeline.text import normalize_phrase

STROKE_CODES = ("I60", "I61", "I62", "I63")
STROKE_WORDS = frozenset("stroke cva infarct infarction ich sah intracerebral subarachnoid hemorrhagic".split())
# The kinds of stroke the index files sequelae under, and the Tabular's words for each.
_STROKE_KINDS = {"infarction": ("infarction, cerebral", ["cerebral", "infarction"]),
                 "intracerebral": ("hemorrhage, intracerebral", ["nontraumatic", "intracerebral", "hemorrhage"]),
                 "subarachnoid": ("hemorrhage, subarachnoid", ["nontraumatic", "subarachnoid", "hemorrhage"])}
# Words that tie a deficit to an earlier stroke, or an old injury to a residual.
SEQUELA_CUES = frozenset("following since after residual residuals sequela sequelae old prior previous remote "
                         "ago history hx from due late".split())
_STATED_SEQUELA = frozenset("sequela sequelae residual residuals late".split())
# the cues that only date an injury; the others link it to what it left ("scar from a laceration")
_WHEN_ONLY = frozenset("since old prior previous remote ago history hx".split())
_BRAIN_INJURY = ("S06",)
_OLD = frozenset("old remote prior previous".split())
_LINKS = frozenset(("following", "after", "from", "due"))
_CAUSED_BY = frozenset("to from following after of".split())   # ("secondary to", "sequela of" an old injury)
_NO_SEQUELA = frozenset(("no", "without", "w", "o"))   # ("w/o" is two words as normalised)


def _denied_sequela(words: Sequence[str]) -> bool:
    """Whether the sentence denies any residual ("no sequelae", "without residual deficits")."""
    return any(w in _STATED_SEQUELA and _NO_SEQUELA.intersection(words[max(0, k - 2):k])
               for k, w in enumerate(words))


_RESIDUAL_WORDS = frozenset("scar scars scarring contracture contractures keloid".split())
_DEFICIT_ALIASES = {"hemiparesis": "hemiplegia", "hemiparetic": "hemiplegia", "droop": "droop", "weakness": "weakness"}
_SIDE_REACH = 3   # words between a side and its deficit ("right dominant side hemiplegia")
_LEFT_HANDED = frozenset(("left-handed", "l-handed"))


def sentence_of(sentences: Sequence[Sentence], starts: list[int], offset: int) -> int:
    return max(0, bisect.bisect_right(starts, offset) - 1)


# "left-handed", "L handed", "L-hand dominant", "left hand dominant"
_LEFT_HANDED_SAID = re.compile(r"\b(?:left|l|lt)[- ]?(?:handed|hand[- ]dominant)\b", re.I)


def is_left_handed(text: str) -> bool:
    """Whether the note says the patient is left-handed: a paralysis's dominant side is then the
    left (I.C.6.a)."""
    return _LEFT_HANDED_SAID.search(text) is not None


def stroke_sequelae(found: dict, sentences: Sequence[Sentence], text: str, index, mapper, rules, make) -> None:
    """Replace deficits tied to an earlier stroke by their I69 codes (see the module docstring).
    ``make(code, evidence, note)`` builds a finding; ``index`` is the IndexCoder; ``rules`` the
    GuidelineRules (whose "use additional code" notes say which deficit codes stay)."""
    starts = [s.start for s in sentences]
    roots = {kind: index.tree.resolve(f"Sequelae, {path}") for kind, (path, _) in _STROKE_KINDS.items()}
    left_handed = is_left_handed(text)
    added = False
    for code in [c for c, f in found.items() if f.system is CodeSystem.ICD10CM and not c.startswith(("I6", "Z"))]:
        f = found[code]
        if not f.evidence:
            continue
        # the first of its mentions whose sentence ties it to a stroke ("Residual left
        # hemiparesis." in the HPI, "Sequelae of right MCA infarct: left-sided hemiparesis" later)
        # (or a "residual" right after a sentence that names the stroke: "L MCA ischemic stroke 8 mo
        # ago. Residual R-sided hemiparesis.")
        # (a list's number before it is no sentence of its own: "... following cerebral infarction - OT.
        # 5. L facial weakness, mild, residual.")
        tied = [(si, e) for e in f.evidence for si in (sentence_of(sentences, starts, e.start),)
                if (set(sentences[si].words) & STROKE_WORDS and set(sentences[si].words) & SEQUELA_CUES)
                or (si and set(sentences[si].words) & _STATED_SEQUELA and
                    set(sentences[_before(sentences, si)].words) & STROKE_WORDS)]
        if not tied:
            continue
        si, first = tied[0]
        words = set(sentences[si].words)
        stroke = sentences[si].words if words & STROKE_WORDS else sentences[_before(sentences, si)].words
        if _acute_stroke(stroke) and not _WHEN_ONLY & set(stroke):
            # deficits of the stroke this encounter treats, "residual" at discharge ("Acute ischemic
            # stroke, L MCA ... / Residual R hemiparesis, expressive aphasia"): their own codes, no
            # I69 (I.C.9.d: the sequela codes are for an earlier stroke's)
            continue
        said = set(stroke)   # (the stroke's kind is its own sentence's: "... s/p nontraumatic L basal
        # ganglia ICH. Residual oral-phase dysphagia" is I69.191)
        kind = "subarachnoid" if said & {"subarachnoid", "sah"} else \
            "intracerebral" if said & {"hemorrhage", "hemorrhagic", "ich", "intracerebral", "bleed"} else "infarction"
        root = roots[kind]
        if root is None:
            continue
        ev = text[first.start:first.end].lower()
        # (the words alone: "Dysphagia, pharyngeal phase, following cerebral infarction")
        deficit = [_DEFICIT_ALIASES.get(w, w) for w in re.findall(r"[a-z0-9]+", ev.replace("-", " "))]
        hit = index.tree.walk(root, frozenset(deficit + ["facial"] if "facial" in words else deficit))
        titled = _titled_sequela(rules.cm, root, index.tree, deficit) if hit is None else None
        if hit is None and titled is None:
            continue
        side = _side(sentences[si].words, ev)
        extra = ["affecting", "side"]   # "affecting unspecified side" where the note names none
        if side:
            dominant = (side == "right") != left_handed
            extra = ([side, "dominant"] if dominant else [side, "nondominant"]) + ["affecting", "side"]
        mapped = mapper.map([_candidate(hit.code)], tuple(deficit + extra + ["following"] + _STROKE_KINDS[kind][1]),
                            ()) if hit is not None else None
        late = mapped.code if mapped is not None else titled
        if late is None or not late.startswith("I69"):
            continue
        keep_own = any(code.startswith(r) for r in rules.referenced(late, "use_additional"))
        path = " > ".join(hit.path) if hit is not None else f"the Tabular's {late}"
        new = make(late, list(f.evidence), RuleNote(
            "sequela", f"residual of an earlier stroke: Sequelae > {_STROKE_KINDS[kind][0]} > {path} (I.C.9.d.1)",
            code))
        found[late] = new if late not in found else found[late]
        if not keep_own:
            del found[code]
        elif not f.reportable or f.assertion is not Assertion.PRESENT:
            # the deficit the I69 code asks for beside it is a present residual, however dated its
            # stroke ("L MCA stroke 2023 with residual oropharyngeal dysphagia": I69.391 + R13.12)
            f.assertion, f.reportable = Assertion.PRESENT, True
            f.notes = [n for n in f.notes if n.kind != "not_reported"]
        _drop_stroke_of_sentence(found, sentences, starts, si)
        added = True
    if added:
        found.pop("Z86.73", None)


def _before(sentences: Sequence[Sentence], si: int) -> int:
    """The sentence before ``si``, past a list item's lone number ("5.")."""
    k = si - 1
    while k > 0 and all(w.isdigit() for w in sentences[k].words):
        k -= 1
    return max(k, 0)


def _titled_sequela(cm, root, tree, deficit: list[str]) -> str | None:
    """The one billable code of the stroke kind's I69 subcategory whose Tabular title says every word
    of a deficit the index's Sequelae entry has no subterm for ("spatial neglect": I69.312
    "Visuospatial deficit and spatial neglect following cerebral infarction"); None otherwise."""
    own = [w for w in deficit if len(w) > 2 and w not in SIDES and w not in _NOT_DEFICIT]
    kinds = {tree.nodes[r].code[:5] for r in (root if isinstance(root, (list, tuple)) else [root])
             if tree.nodes[r].code.startswith("I69")}
    if not own or len(kinds) != 1:
        return None
    # (the deficit is one of the title's named parts: "weakness" is no "facial weakness")
    said = " ".join(own)
    hits = [c for c in cm.billable_descendants(kinds.pop())
            if said in (p.strip() for p in re.split(r",| and ", cm.description(c).lower().split(" following ")[0]))]
    return hits[0] if len(hits) == 1 else None


_NOT_DEFICIT = frozenset("following after residual mild moderate severe persistent".split())
_CURRENT = frozenset(("acute", "new", "evolving", "current"))


def _acute_stroke(words: Sequence[str]) -> bool:
    """Whether the words call a stroke acute or new ("Acute ischemic stroke, L MCA"), not another
    thing ("acute inpatient rehab for R hemiparesis following L MCA stroke", "no new deficits")."""
    return any(w in _CURRENT and (not i or words[i - 1] not in ("no", "not", "without"))
               and STROKE_WORDS & set(words[i + 1:i + 1 + _ACUTE_REACH]) for i, w in enumerate(words))


_ACUTE_REACH = 3   # words from "acute" to the stroke it qualifies ("acute ischemic L MCA stroke")


def _drop_stroke_of_sentence(found: dict, sentences, starts, si: int) -> None:
    """The stroke a residual follows is not coded as current unless the note also documents a new
    one elsewhere (I.C.9.d.2): said only in the residual's sentence, or only where a sentence
    dates it or ties it to its residuals ("seen 4 months after a right MCA stroke", "MRI ...
    showed a right MCA territory infarct"), and nowhere as acute or new."""
    for c in [c for c in found if c.startswith(STROKE_CODES)]:
        f = found[c]
        current = [e for e in f.evidence if sentence_of(sentences, starts, e.start) != si
                   and _CURRENT & set(sentences[sentence_of(sentences, starts, e.start)].words)
                   and not SEQUELA_CUES & set(sentences[sentence_of(sentences, starts, e.start)].words)]
        if not current:
            del found[c]


def _side(words: Sequence[str], evidence: str) -> str | None:
    sides = {w: s for w, s in SIDES.items() if s != "bilateral" and w not in ("od", "os")}
    ev = evidence.replace("-", " ").split()
    for w in ev:
        if w in sides:
            return sides[w]
    # "R hemiparesis", "right dominant side hemiplegia": a side word just before the deficit
    for i, w in enumerate(words):
        if w in sides and any(words[j].startswith(x[:5]) for j in range(i + 1, min(len(words), i + 1 + _SIDE_REACH))
                              for x in ev if len(x) > 4):
            return sides[w]
    # "hemiparesis of R dominant side": one named right after it
    for i, w in enumerate(words):
        if any(w.startswith(x[:5]) for x in ev if len(x) > 4):
            after = words[i + 1:i + 1 + _SIDE_REACH]
            if after[:1] and after[0] in ("of", "affecting", "on", "involving"):
                side = next((sides[x] for x in after[1:] if x in sides), None)
                if side:
                    return side
    return None


# a note that links a present condition to an old injury ("posttraumatic OA", "foot drop since a
# motorcycle crash", "post-traumatic arthritis R ankle d/t old fx", a scar, a persistent deficit)
RESIDUAL_LINK = re.compile(r"post-?\s?traumatic|late effect|sequela|residual|\bsince (?:a|an|the|his|her)\b|"
                           r"\bscar|contracture|keloid|\bpersistent\b|"
                           r"\b(?:d/t|due to|from|after|secondary to) (?:an? |the |his |her )?(?:old|prior|remote|previous)\b",
                           re.I)


def injury_sequela(f, words: Sequence[str], start: int = 0, linked: bool = True) -> str | None:
    """The 7th-character-S code for an old injury a residual follows, or None: S51.812A + "scar of
    the L forearm from a laceration 14 months ago" -> S51.812S; ``start`` is the injury mention's
    first word."""
    if f.system is not CodeSystem.ICD10CM or f.assertion not in (Assertion.HISTORICAL, Assertion.PRESENT):
        return None
    if f.assertion is Assertion.PRESENT and not ("healed" in words and _RESIDUAL_WORDS & set(words)) and \
            not any(words[k] in _OLD and words[k - 1] in _CAUSED_BY for k in range(max(1, start - 3), start)):
        return None   # (an injury the sentence says healed, with its scar: "scar ... from 2nd-degree burn
        # (hot cooking oil) 2 yrs ago; healed" is the burn's sequela, the aside no matter; a condition
        # "secondary to old trimalleolar fx" is the fracture's residual, its kind words between)
    if len(f.code) != 8 or f.code[0] not in "ST" or f.code[-1] not in "ADS":
        return None
    cues = set(words) & SEQUELA_CUES
    if "late" in cues and all(words[k + 1:k + 2] == ["onset"] for k, w in enumerate(words) if w == "late"):
        cues.discard("late")   # "Alzheimer disease, late onset": no late effect
    if "due" in cues and all(words[k + 1:k + 2] != ["to"] for k, w in enumerate(words) if w == "due"):
        cues.discard("due")   # "(year 3 of 3 due 11/2025)": a date, no cause
    # a link word after the injury names its cause, not a residual ("Hx of L distal radius fx after
    # fall 2016": a healed fracture, Z87.81); the residual's comes before it ("stiffness after old fx")
    cues -= {w for w in cues & _LINKS if all(k >= start for k, x in enumerate(words) if x == w)}
    if not cues or _denied_sequela(words):
        return None   # ("h/o concussion in high school, no sequelae")
    if f.assertion is Assertion.HISTORICAL and cues <= _WHEN_ONLY and (
            f.code.startswith(_BRAIN_INJURY) or not (linked or _RESIDUAL_WORDS & set(words))):
        return None   # "remote concussion", "h/o concussion": when it was, no residual it left (Z87.820);
        # "Remote h/o L ankle fracture (ORIF 1998, hardware removed 2000)" in a note that links
        # nothing to it: a healed one (Z87.81)
    if (f.code.startswith("T14.91") or "T36" <= f.code[:3] <= "T65") and not set(words) & _STATED_SEQUELA:
        return None   # "history of suicide attempt", "prior overdose": a past event (Z91.51), not its sequela
    return f.code[:-1] + "S"


def disease_sequela(f, words: Sequence[str], start: int, tree, cm) -> tuple[str, str] | None:
    """The Sequelae (of) code for a past disease the sentence says a residual is the late effect of
    ("bronchiectasis, late effect of old pulmonary tuberculosis": Sequelae > tuberculosis, B90.9;
    "sequela of viral hepatitis": B94.2), with the subterm walked; None when the words before the
    mention state no sequela or the index has no entry for the disease (injuries and strokes have
    their own readers)."""
    if f.system is not CodeSystem.ICD10CM or f.code[:1] in "STVWXYZ" or f.code.startswith("I6") or \
            f.assertion not in (Assertion.HISTORICAL, Assertion.PRESENT) or cm.id_of(f.code) < 0:
        return None
    before = words[max(0, start - _SEQUELA_REACH):start]
    # ("late effect of", "sequela of": the disease named after it; "residual dysphagia" is the residual)
    if not any(w in _STATED_SEQUELA and "of" in before[k + 1:k + 3] for k, w in enumerate(before)) or \
            _denied_sequela(words):
        return None
    roots = tree.main_terms("Sequelae")
    said = list(normalize_phrase(cm.description(f.code).lower())) + list(words[start:start + _SEQUELA_REACH])
    hit = tree.walk(roots, walk_words(said)) if roots else None
    if hit is None or not hit.code or hit.code[:1] in "ST" or "code" in hit.path[0].split() or \
            cm.id_of(hit.code) < 0 or not cm.is_billable(hit.code):
        return None
    return hit.code, " > ".join(hit.path)


_SEQUELA_REACH = 4   # words from "late effect of" / "sequela of" to the disease it names


def _candidate(code: str):
    from server.pipeline.entities import Candidate

    from server.pipeline.claims_readers import READ_CONFIDENCE

    return Candidate(code, CodeSystem.ICD10CM, READ_CONFIDENCE, "index")

"""Build the alphabetic-index lexicon the pipeline loads when present
(``server/pipeline/data/index_lexicon.tsv.gz``).

Input: the ICD-10-CM Alphabetic Index flattened to CSV (Level, Term, See, SeeAlso, NonEssModif,
Code) and its neoplasm table (CDC/NCHS FY2025, public domain). Term paths are rebuilt from Level:
"Pneumonia" > "bacterial" -> "bacterial pneumonia" and "pneumonia bacterial" -> J15.9. The neoplasm
table gives "<site> cancer/carcinoma/adenocarcinoma" -> the malignant primary code and
"<site> metastasis" -> the secondary one.

    python -m export.build_lexicon --index-dir ../shared/data/icd10cm-index-fy2025
"""
from __future__ import annotations

import argparse
import csv
import itertools
import re
import gzip
from pathlib import Path

from server.pipeline.lexicon import GENERIC, STOPWORDS
from server.pipeline.text import normalize_phrase

OUT = Path(__file__).resolve().parents[1] / "server" / "pipeline" / "data" / "index_lexicon.tsv.gz"
# One-word index entries that are not diagnoses in a note ("examination", "follow up"...).
_SKIP_WORDS = GENERIC | frozenset("examination symptoms symptom follow observation admission care "
                                  "problem problems test tests counseling screening encounter "
                                  "procedure long late old new h see".split())
_MAX_CODES_PER_TERM = 2
_MAX_SPELLINGS = 8   # spelling combinations one index entry may yield
_MEDICAL_WORD = re.compile(r"(itis|osis|emia|aemia|oma|algia|pathy|plasia|trophy|uria|rrhea|rrhoea|megaly|penia|"
                           r"cytosis|plegia|paresis|ectasis|iasis|spasm|cele|lithiasis|stenosis|sclerosis|"
                           r"ism|oses|ocele|rrhage|ptysis|emesis|pnea|noea|cardia|phobia|mania|lepsy)$")
# Index main terms that are everyday English in a note ("activity", "gas", "cold"): never a term
# on their own. Found by reading the false positives of single-word index terms on CodiEsp train.
_EVERYDAY = frozenset("""
nerve nervous activity activities wound exposure accident scale gas may cold toxic diuresis fistula
tac arrest donor deformity pregnancy surgical newborn lesion mass growth change changes loss
contact effect effects reaction drug drugs operation complication complications failure disease
injury trauma bleeding pressure rest sleep work stress weight fall shock tension wear position
pain dependence abuse use user excess dysplasia necrosis hematoma
minus plus dish pin age decline swollen pitted ache placenta placental advice consumption fear pest clap
intoxicated embolus thrombus thromboembolism delusion decubitus unconscious comatose scratch gravel
backflow vain ain cin vin smoker sterilization cerclage prematurity overheated suffocation deficiency defect block foreign body state stage grade
level low high poor absence absent presence present anomaly malformation disorder fever
thrombotic concern heat hyperactive torus
""".split())
# ("concern": the flattened "Concern (normal)" row carries its subterm's code, Z63.6 "about sick
# family member"; "thrombotic" is the adjective of a stenosis or an occlusion in a report; "heat" is
# a plan's "ice/heat" or the weather, its effects are named: heat exhaustion, heat stroke; "hyperactive"
# alone is an exam's bowel sounds or reflexes or a delirium's subtype, the disorder is "hyperactivity" or
# ADHD; a "torus" in a note is a buckle fracture (Torus > fracture, See Fracture, by site, torus), the
# jaw's is named "torus palatinus" / "mandibularis")
SINGLE_WORDS = "all"
# A main term read through its "See also" only when it names a condition by its form (-itis,
# -osis, -edema...): one word, and a medical one.
_SEE_ALSO_WORD = re.compile(r"^[a-z]+(" + _MEDICAL_WORD.pattern[1:-2] + r"|edema)$")
# Main terms that list an irregular form of one word ("Tear, torn": a rotator cuff tear is "torn"),
# which the shared-stem rule cannot see.
_IRREGULAR = frozenset({("tear", "torn")})
_CANCER_WORDS = ("cancer", "carcinoma", "adenocarcinoma", "malignant neoplasm", "malignancy", "tumor")


def _toks(text: str) -> tuple[str, ...]:
    return tuple(t for t in normalize_phrase(text) if t not in STOPWORDS and t not in ("nos", "nec"))


def _keep(toks: tuple[str, ...]) -> bool:
    """Multi-word terms, and single words that look like diagnoses ("cholangitis", "anemia"):
    single index words such as "nerve", "activity" or "gas" are everyday English in a note."""
    if not toks or len(toks) > 10:
        return False
    if len(toks) == 1:
        w = toks[0]
        if w in _SKIP_WORDS:
            return False
        return bool(_MEDICAL_WORD.search(w)) or (SINGLE_WORDS == "all" and w not in _EVERYDAY)
    return True


def _with_lost_words(term: str, modifiers: str) -> str:
    """A connective subterm with the essential words the CSV flattening moved into its modifiers:
    "in" + "(due to) schistosomiasis (bilharziasis)" is "in schistosomiasis" (Hypertension >
    portal > in, B65.9), never a "portal hypertension due to" anything."""
    kept = re.sub(r"\([^()]*\)", " ", modifiers).strip()
    if term.lower() not in ("and", "or", "in"):
        # ... and any term whose own connective words went there: "Normocytic anemia" + "(infectional)
        # due to blood loss (chronic)" is D50.0 only with the blood loss, never "normocytic anemia" alone
        # (D64.9); modifiers with nested parentheses lose nothing but a bracket
        nested = re.search(r"\([^()]*\(", modifiers) is not None or modifiers.count("(") != modifiers.count(")")
        return f"{term} {kept}" if kept and not nested and _LOST_CONNECTIVE.match(kept) else term
    return f"{term} {kept}" if kept else term


_LOST_CONNECTIVE = re.compile(r"due to\b")   # (a cause; "of pregnancy", "of non-infectious origin" say no more)


def _code(raw: str) -> str | None:
    c = raw.strip().rstrip("-").rstrip(".").upper()
    return c if len(c) >= 3 and c[0].isalpha() and c[1].isdigit() else None


def index_terms(path: Path, tree=None):
    """(term tokens, code) pairs from the flattened main index. A subterm that only says "See"
    ("Dysfunction > erectile - see Dysfunction, sexual, male, erectile") is a term of its own
    with the code its target gives (``tree`` resolves the target; without it such rows are left out)."""
    stack: list[str] = []
    main_modifiers: set[str] = set()
    with open(path, encoding="utf-8") as f:
        for row in csv.DictReader(f):
            level = int(row["Level"])
            stack[level:] = [_with_lost_words(row["Term"].strip(), row.get("NonEssModif") or "")]
            if level == 0:
                main_modifiers = set(_toks((row.get("NonEssModif") or "").replace("(", " ").replace(")", " ")))
            code = _code(row.get("Code", "") or "")
            if code is None and row.get("See") and level == 0 and tree is not None \
                    and not _SKIP_WORDS & set(_toks(row["Term"])) and not _EVERYDAY & set(_toks(row["Term"])):
                # a main term the index sends elsewhere names the same condition ("Vaginosis - see
                # Vaginitis": N76.0; "Anaphylaxis - see Shock, anaphylactic": T78.2)
                code = _see_code(tree, row["See"])
            elif code is None and row.get("See") and level >= 1 and tree is not None \
                    and (set(_toks(row["Term"])) <= set(_toks(row["See"])) or _within(stack[0], row["See"])):
                # only a reference that names the same thing by its full path: "Ulcer > foot - see
                # Ulcer, lower limb" sends the reader on to walk "foot" below lower limb
                code = _see_code(tree, row["See"])
            elif code is None and row.get("See") and level == 1 and tree is not None \
                    and _drug_class(stack[0], row["See"]):
                # a substance the index files under its class ("Dependence > heroin - see
                # Dependence, drug, opioid": "heroin dependence" is F11.20)
                code = _see_code(tree, row["See"])
            elif row.get("See"):
                continue
            elif code is None and level == 0 and row.get("SeeAlso") and tree is not None \
                    and _SEE_ALSO_WORD.search(row["Term"].split(",")[0].strip().lower()) \
                    and row["Term"].split(",")[0].strip().lower() not in _EVERYDAY:
                # a condition's main term coded only by its "See also" ("Lymphedema - see also
                # Elephantiasis": I89.0); everyday words so referred ("sinus", "clot", "flu") are not
                code = _see_code(tree, row["SeeAlso"])
            if code is None:
                continue
            if level == 0 and "meaning" in main_modifiers:
                continue   # "Transient (meaning homeless)": the word alone means something else
            term = row["Term"].strip()
            if level == 0 and _TRUNCATED_EPONYM.match(term) and _ONLY_MODIFIERS.fullmatch(row.get("NonEssModif") or ""):
                continue   # "Marshall's (hidrotic)" Q82.4: the flattening lost the words after the
                # modifier (ectodermal dysplasia); the name alone is a score's ("Modified Marshall 0")
            if level == 1 and term.endswith(" NEC") and set(_toks(term[:-4])) <= main_modifiers:
                continue   # "Pharyngitis (viral)" is J02.9: its "viral NEC" (J02.8) is for a named virus
            if any(len(s.strip()) == 1 and s.strip().isalpha() and not _toks(s) for s in stack[1:]):
                continue   # a one-letter subterm the tokens lose ("Influenza > A", J10-): not the main term's
            # a subterm's spellings ("glottis, glottic, glottidis") are alternatives too
            levels = [_spellings(s) or [s] for s in stack[1:] if s]
            # the row's own nonessential modifiers, each said or not without changing the code
            # ("Disorder > bipolar (I) (type 1)": "bipolar I disorder" is F31.9 too)
            extras = [""] + [m for m in _MODIFIER.findall(row.get("NonEssModif") or "")
                             if 0 < len(_toks(m)) <= _MODIFIER_WORDS]
            for subs in itertools.islice(itertools.product(*levels), _MAX_SPELLINGS):
                for main, inv in main_term_forms(stack[0]):
                    before = " ".join(reversed(subs)) + " " + inv + " " + main
                    after = main + " " + inv + " " + " ".join(subs)
                    forms = {before, after}
                    for extra in extras[1:]:
                        # said before the entry's words, after them, or after its own word ("bipolar
                        # I disorder": Disorder > bipolar (I))
                        forms |= {extra + " " + before, after + " " + extra}
                        if subs:
                            forms.add(" ".join((subs[-1], extra, *reversed(subs[:-1]), inv, main)))
                    for form in forms:
                        toks = _toks(form)
                        if _keep(toks):
                            yield toks, code


# An eponym the index files as "X's syndrome" is often a disease in a note ("Kawasaki's syndrome":
# "Kawasaki disease"); where the index has both ("Cushing's disease" E24.0, "Cushing's syndrome"
# E24.9) each keeps its own.
# Only that way: "Barlow's disease" (scurvy) is no "Barlow syndrome" (a prolapsed mitral valve), and
# a name of four letters or fewer may be an English word ("Down", "Best").
_EPONYM = re.compile(r"^([A-Z][a-z]{4,}(?:-[A-Z][a-z]+)?)'s syndrome$")


def eponym_terms(path: Path):
    """(term tokens, code): "X disease" for each coded "X's syndrome" main term."""
    with open(path, encoding="utf-8") as f:
        for row in csv.DictReader(f):
            m = _EPONYM.match(row["Term"].strip()) if row["Level"] == "0" else None
            code = _code(row.get("Code", "") or "") if m else None
            if code is not None:
                yield _toks(f"{m.group(1)} disease"), code


_MODIFIER = re.compile(r"\(([^()]*)\)")
# a one-word eponym main term ("Biermer's"), whose modifier stood mid-term in the printed index
_TRUNCATED_EPONYM = re.compile(r"^[A-Z][a-z]+'s$")
_ONLY_MODIFIERS = re.compile(r"(?:\s*\([^()]*\))+\s*")   # (words outside them are the term's: "Korsakoff's")
_MODIFIER_WORDS = 2


def _within(main: str, ref: str) -> bool:
    """A subterm's See to an "NEC" entry of its own main term ("Sprain > ankle > talofibular ligament -
    see Sprain, ankle, specified ligament NEC"): the index files the named kind under the specified-
    NEC code, which is its code (a See to a coarser entry, "Ulcer > heel - see Ulcer, lower limb",
    leaves the walk to go on, and gives no term)."""
    return ref.split(",")[0].strip().lower() == main.split(",")[0].strip().lower() and \
        ref.rsplit(",", 1)[-1].strip().endswith(" NEC")


def _drug_class(main: str, ref: str) -> bool:
    """A See from a substance to its drug class under the same main term ("Dependence > heroin -
    see Dependence, drug, opioid"; "Abuse > LSD - see Abuse, drug, hallucinogen")."""
    parts = [p.strip().lower() for p in ref.split(",")]
    return len(parts) == 3 and parts[0] == main.split(",")[0].strip().lower() and parts[1] == "drug"


def substance_terms(path: Path, tree):
    """(term tokens, code): the Tabular's "<class> use disorder, <severity>" inclusion terms said
    with each substance the index files under that class ("Dependence > heroin - see Dependence,
    drug, opioid": "heroin use disorder, severe" is F11.20 as "opioid use disorder, severe" is)."""
    import simple_icd_10_cm as cm

    members: dict[str, list[str]] = {}   # a class's code category (F11) -> its substances
    with open(path, encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["Level"] == "1" and _drug_class("Dependence", row.get("See") or ""):
                code = _see_code(tree, row["See"])
                toks = _toks(_PARENS_RE.sub(" ", row["Term"]))
                # (not nicotine's: a tobacco use disorder is coded by its product, F17.21-)
                if code and 0 < len(toks) <= 2 and "dependence" not in toks and not code.startswith("F17"):
                    members.setdefault(code[:3], []).append(" ".join(toks))
    for category, names in members.items():
        for code in cm.get_descendants(category):
            for note in cm.get_inclusion_term(code) if cm.is_valid_item(code) else ():
                _, said, rest = note.partition(" use disorder")
                # (the severity and remission alone: an induced disorder's or a withdrawal's terms
                # stay the class's)
                if said and _SEVERITY.fullmatch(rest) and " with" not in cm.get_description(code):
                    severity, _, remission = rest[2:].partition(",")
                    for name in names:
                        yield _toks(f"{name} use disorder{rest}"), code
                        yield _toks(f"{severity} {name} use disorder {remission}"), code   # "severe heroin use disorder"


def _class_members(path: Path, tree) -> dict[str, list[str]]:
    """A drug class's code category (F11) -> the substances the index files under it ("Dependence >
    heroin - see Dependence, drug, opioid")."""
    members: dict[str, list[str]] = {}
    with open(path, encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["Level"] == "1" and _drug_class("Dependence", row.get("See") or ""):
                code = _see_code(tree, row["See"])
                toks = _toks(_PARENS_RE.sub(" ", row["Term"]))
                if code and 0 < len(toks) <= 2 and "dependence" not in toks:
                    members.setdefault(code[:3], []).append(" ".join(toks))
    return members


_INDUCED = re.compile(r" with ([a-z ]+?)-induced ([a-z ]+?)(?:, unspecified)?$")


def induced_terms(path: Path, tree):
    """(term tokens, code): a disorder a substance induced, said with each substance the index
    files under its class ("methamphetamine-induced psychotic disorder with hallucinations" is the
    Tabular's "stimulant-induced psychotic disorder with hallucinations", F15.951). The level of use
    is the Tabular's unspecified use (F1x.9-) the class's own term has ("cocaine induced psychotic
    disorder", F14.959); a use disorder the note states takes it to its level (I.C.5.b.2)."""
    import simple_icd_10_cm as cm

    for category, names in _class_members(path, tree).items():
        for code in cm.get_descendants(category):
            if not cm.is_leaf(code) or code.replace(".", "")[3:4] != "9":
                continue
            m = _INDUCED.search(cm.get_description(code).lower())
            if m is None or "," in m.group(1) or m.group(1).startswith(("other", "unspecified")):
                continue
            for name in dict.fromkeys((m.group(1), *names)):
                yield _toks(f"{name} induced {m.group(2)}"), code


def withdrawal_terms(path: Path, tree):
    """(term tokens, code): a substance's withdrawal by the index's "Withdrawal state (see also
    Dependence, drug by type, with withdrawal)": each drug type's Dependence > drug > <type> > with >
    withdrawal code said as "<type> withdrawal" and as "<substance> withdrawal" for the substances the
    index files under that type ("opioid withdrawal", "heroin withdrawal": F11.23). Alcohol,
    caffeine and cannabis have entries of their own under Withdrawal state."""
    members = _class_members(path, tree)
    own = tree.main_terms("Withdrawal state")
    for start in tree.main_terms("Dependence"):
        for drug in tree.nodes[start].children:
            if tree.nodes[drug].words != ("drug",):
                continue
            for kind in tree.nodes[drug].children:
                hit = tree.walk(kind, frozenset(("with", "withdrawal")))
                code = _code(hit.code) if hit is not None and hit.path[-1:] == ("withdrawal",) else None
                if not code:
                    continue
                for name in dict.fromkeys((" ".join(tree.nodes[kind].words), *members.get(code[:3], ()))):
                    if tree.walk(own, frozenset(name.split())) is None:   # (not caffeine's own F15.93)
                        yield _toks(f"{name} withdrawal"), code


_PARENS_RE = re.compile(r"\([^()]*\)")
_SEVERITY = re.compile(r", (mild|moderate|severe)(, in (early|sustained) remission)?")


def _see_code(tree, ref: str) -> str | None:
    """The code of the entry a "See" reference names, when that entry is itself coded."""
    target = tree.resolve(ref)
    return _code(tree.nodes[target].code) if target is not None and tree.nodes[target].code else None


def main_term_forms(term: str) -> list[tuple[str, str]]:
    """(main word(s), inverted modifier) pairs an index main term stands for. A comma either lists
    spellings of one word ("Hernia, hernial", "Allergy, allergic", "Aorta, aortic": each is a
    main term of its own, so "Hernia, hernial" > "hiatal" is "hiatal hernia", never "hiatal hernial
    hernia") or inverts a modifier ("Abruption, placenta" is "placenta abruption")."""
    spellings = _spellings(term)
    if spellings:
        return [(w, "") for w in spellings]
    first, _, rest = term.partition(",")
    return [(first, rest)]


def _spellings(term: str) -> list[str]:
    """["Hernia", "hernial"] for "Hernia, hernial"; [] when the comma does not list spellings."""
    words = [p.strip() for p in term.split(",") if p.strip()]
    if len(words) > 1 and all(_same_stem(words[0].lower(), w.lower()) for w in words[1:]):
        return words
    return []


def _same_stem(a: str, b: str) -> bool:
    """Two spellings of one word: one token each, sharing their first 4 letters (or all of the
    shorter): hernia / hernial, aorta / aortic, alcohol / alcohol-induced."""
    if " " in b or " " in a:
        return False
    if (a, b) in _IRREGULAR:
        return True
    n = min(4, len(a), len(b))
    return n >= 3 and a[:n] == b[:n]


def neoplasm_terms(path: Path):
    """(term tokens, code) pairs for cancers and metastases by site from the neoplasm table."""
    stack: list[str] = []
    with open(path, encoding="utf-8") as f:
        for row in csv.DictReader(f):
            level = int(row["Level"])
            stack[level:] = [row["Term"].strip()]
            if level == 0:
                continue
            site = " ".join(s.split(",")[0] for s in reversed(stack[1:]))
            primary, secondary = _code(row["MalignantPrimary"]), _code(row["MalignantSecondary"])
            for word in _CANCER_WORDS:
                if primary:
                    yield _toks(f"{site} {word}"), primary
                    yield _toks(f"{word} {site}"), primary
            if secondary:
                for word in ("metastasis", "metastases", "metastatic disease"):
                    yield _toks(f"{site} {word}"), secondary
                yield _toks(f"metastasis {site}"), secondary


# Regions a note names by their adjective where the index names them by words ("lumbar strain"
# is the index's "strain, low back"): anatomy's names, each region both ways.
_REGIONS = ((("low", "back"), ("lumbar",)), (("lower", "back"), ("lumbar",)))


def _regional(toks: tuple[str, ...]) -> list[tuple[str, ...]]:
    """The term with a region spelled the other way ("strain low back" -> "strain lumbar")."""
    out = []
    for words, adjective in _REGIONS:
        n = len(words)
        for i in range(len(toks) - n + 1):
            if toks[i:i + n] == words:
                out.append(toks[:i] + adjective + toks[i + n:])
    return out


def build(index_dir: Path, out: Path = OUT) -> int:
    """Write the lexicon; returns the number of (term, code) rows."""
    by_term: dict[tuple[str, ...], list[str]] = {}
    from server.pipeline.index_tree import IndexTree

    tree = IndexTree.load()
    sources = [index_terms(index_dir / "ICD10CM_2025_Index.csv", tree),
               neoplasm_terms(index_dir / "ICD10CM_2025_neoplasms.csv"),
               substance_terms(index_dir / "ICD10CM_2025_Index.csv", tree),
               withdrawal_terms(index_dir / "ICD10CM_2025_Index.csv", tree),
               induced_terms(index_dir / "ICD10CM_2025_Index.csv", tree)]
    for src in sources:
        for toks, code in src:
            if not _keep(toks):
                continue
            for form in (toks, *_regional(toks)):
                codes = by_term.setdefault(form, [])
                if code not in codes and len(codes) < _MAX_CODES_PER_TERM:
                    codes.append(code)
    for toks, code in eponym_terms(index_dir / "ICD10CM_2025_Index.csv"):
        if _keep(toks) and toks not in by_term:
            by_term[toks] = [code]
    out.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with gzip.open(out, "wt", encoding="utf-8", compresslevel=9) as f:
        f.write("system\tcode\tterm\n")
        for toks in sorted(by_term):
            for code in by_term[toks]:
                code = code if len(code) <= 3 or "." in code else code[:3] + "." + code[3:]
                f.write(f"ICD10CM\t{code}\t{' '.join(toks)}\n")
                n += 1
    return n


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index-dir", type=Path, required=True)
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    n = build(args.index_dir, args.out)
    print(f"wrote {n} terms to {args.out} ({args.out.stat().st_size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()

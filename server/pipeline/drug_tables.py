"""The ICD-10-CM Table of Drugs and Chemicals and the Neoplasm Table as run-time lookups, and the
long-term drug therapy code (Z79) a drug's class calls for (guideline I.C.21.c.3).

Both tables ship as ``data/drug_table.tsv.gz`` and ``data/neoplasm_table.tsv.gz``, built offline
from the official FY2026 index XML by ``export.build_tables``. Codes are stored as the tables give
them: drug codes lack the 7th character (T39.1X2), neoplasm codes may end in "-" (C34.9-) where the
tabular wants more characters. ``DrugRow.code`` completes the first; ``refine`` the second.

    >>> load_drug_table().lookup("acetaminophen").code("self_harm")
    'T39.1X2A'
    >>> load_neoplasm_table().lookup("upper lobe of right lung").code("primary")
    'C34.1'
    >>> long_term_code("Eliquis")
    'Z79.01'
"""
from __future__ import annotations

import functools

import gzip
import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Iterable, Mapping, Sequence

from server.errors import InvalidInput

DRUG_COLUMNS = ("accidental", "self_harm", "assault", "undetermined", "adverse_effect", "underdosing")
NEOPLASM_COLUMNS = ("primary", "secondary", "in_situ", "benign", "uncertain", "unspecified")
FIXED_COLUMNS = ("path", "synonyms", "see")
PATH_SEP = " > "
ENCOUNTERS = frozenset("ADS")   # initial, subsequent, sequela: the 7th characters of T36-T65
_DROP = frozenset({"nec", "nos"})
_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_TABLE_CODE = re.compile(r"^[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{0,4})?-?$")   # T39.1X2, C34.9-, D05.-, C61
_Z79 = re.compile(r"^Z79(\.[0-9A-Z]{1,4})?$")
# what ``long_term_code`` gives for a drug of a class taken without being drug therapy a claim
# reports (z79_classes.json's "none": an iron supplement, a stool softener, a skin protectant)
NOT_THERAPY = ""
_SEE_DEPTH = 3
# what a note says about the tumour rather than the site ("metastatic lung neoplasm" -> "lung");
# "carcinoma" stays: the table's skin rows name "basal cell carcinoma"
_NOT_SITE = frozenset("neoplasm neoplastic neoplasms cancer malignant malignancy tumor tumour tumors "
                      "metastasis metastases metastatic mets".split())
_SITE_WORDS = {"node": "gland", "nodes": "gland", "nodal": "gland"}   # the table says "lymph gland"


def normalize_name(text: str) -> str:
    """Lower case, punctuation to spaces, "NEC"/"NOS" dropped: "Anticoagulant NEC" -> "anticoagulant",
    "1-Propanol" -> "1 propanol". The builder and the lookups share it, so both sides agree."""
    return " ".join(t for t in _NON_ALNUM.sub(" ", text.lower()).split() if t not in _DROP)


def _stem(token: str) -> str:
    """Simple plural to singular, the same on both sides: "statins" -> "statin", "salts" -> "salt";
    "digitalis", "glucagonus", "gross" stay."""
    if len(token) > 3 and token.endswith("s") and not token.endswith(("ss", "us", "is")):
        return token[:-1]
    return token


def _stems(text: str) -> tuple[str, ...]:
    return tuple(_stem(t) for t in normalize_name(text).split())


# -- rows ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Row:
    """A table row: its ``path`` of terms, the six codes as the table gives them (None where the
    table says "--"), and its "see" reference, if any."""

    path: tuple[str, ...]
    codes: tuple[str | None, ...]
    see: str | None = None

    @property
    def name(self) -> str:
        return PATH_SEP.join(self.path)


@dataclass(frozen=True)
class DrugRow(_Row):
    """One Table of Drugs row: ``path`` ("Insulin", "human") and the six intent columns."""

    def category(self) -> str | None:
        """The T-code category the row's drug belongs to, without the intent digit: warfarin
        (T45.511) -> "T45.51", acetaminophen (T39.1X1) -> "T39.1X"."""
        code = next((c for c in self.codes if c), None)
        return code[:-1] if code else None

    def code(self, intent: str, encounter: str = "A", icd10cm=None) -> str | None:
        """The complete code for ``intent`` (one of DRUG_COLUMNS) and encounter (A initial, D
        subsequent, S sequela), padded with placeholder X to six characters before the 7th.

        Acetaminophen taken in a suicide attempt, ED visit: ``code("self_harm")`` -> T39.1X2A;
        insulin underdosing at follow-up: ``code("underdosing", "D")`` -> T38.3X6D. None where the
        table has no code, or (with ``icd10cm``) the result is not billable in that code set."""
        if intent not in DRUG_COLUMNS:
            raise InvalidInput(f"drug table: unknown intent {intent!r}; one of {', '.join(DRUG_COLUMNS)}")
        if encounter not in ENCOUNTERS:
            raise InvalidInput(f"drug table: unknown encounter {encounter!r}; one of A, D, S")
        base = self.codes[DRUG_COLUMNS.index(intent)]
        if not base:
            return None
        body = base.replace(".", "").ljust(6, "X")
        full = f"{body[:3]}.{body[3:]}{encounter}"
        return full if icd10cm is None or _billable(icd10cm, full) else None


@dataclass(frozen=True)
class NeoplasmRow(_Row):
    """One Neoplasm Table row: ``path`` ("Lung", "upper lobe") and the six behaviour codes."""

    def code(self, behavior: str, words: Iterable[str] = (), icd10cm=None) -> str | None:
        """The code for ``behavior`` (one of NEOPLASM_COLUMNS) without the table's trailing "-";
        with ``icd10cm``, refined to a billable code using ``words`` (see ``refine``).

        Metastasis to the right lung: lung row, ``code("secondary", ["right"], cm)`` -> C78.01."""
        if behavior not in NEOPLASM_COLUMNS:
            raise InvalidInput(f"neoplasm table: unknown behavior {behavior!r}; one of {', '.join(NEOPLASM_COLUMNS)}")
        raw = self.codes[NEOPLASM_COLUMNS.index(behavior)]
        if not raw:
            return None
        code = raw.rstrip("-").rstrip(".")
        return code if icd10cm is None else refine(code, words, icd10cm)


def _billable(icd10cm, code: str) -> bool:
    return code in icd10cm and icd10cm.is_billable(code)


def refine(code: str, words: Iterable[str], icd10cm) -> str | None:
    """Descend from ``code`` to a billable code, at each level taking the child whose description
    says the most of ``words`` beyond what the parent already says (laterality, lobe, quadrant),
    else the child that adds "unspecified", else the first child. None for a code not in the set.

    "Right upper lobe" with C34.1 -> C34.11; "left" with C50.9 -> C50.91 (female, the first
    child, since the words do not say) -> C50.912; no words with C78.0 -> C78.00."""
    if code not in icd10cm:
        return None
    want = {_stem(t) for w in words for t in normalize_name(w).split()}
    while not icd10cm.is_billable(code):
        children = icd10cm.children(code)
        if not children:
            return None
        code = _best_child(code, children, want, icd10cm)
    return code


def _best_child(parent: str, children: Sequence[str], want: set[str], icd10cm) -> str:
    said = set(_stems(icd10cm.description(parent)))
    unspecified = icd10cm.description(parent).lower().count("unspecified")
    best, best_score = children[0], (0, 0)
    for child in children:
        text = icd10cm.description(child)
        hits = len((set(_stems(text)) - said) & want)
        adds_unspecified = int(text.lower().count("unspecified") > unspecified)
        score = (hits, adds_unspecified)
        if score > best_score:
            best, best_score = child, score
    return best


# -- tables ------------------------------------------------------------------------------------
class _Table:
    """Rows plus the keys that find them. A name is tried, in order, as its normalised form, its
    singular form, without spaces, as a bag of words, then as the row whose synonym shares the
    rarest words with it (a synonym wholly inside the name first: "upper lobe of right lung" finds
    "lung upper lobe")."""

    columns: tuple[str, ...] = ()
    kind = "table"

    def __init__(self, rows: Sequence, synonyms: Sequence[Sequence[str]], aliases: Mapping[str, str] | None = None):
        self.rows = tuple(rows)
        self._keys: tuple[dict[str, tuple], ...] = ({}, {}, {}, {})
        self._syn: list[tuple[frozenset, int, tuple]] = []
        self._by_token: dict[str, list[int]] = {}
        for i, (row, syns) in enumerate(zip(self.rows, synonyms)):
            for j, syn in enumerate(syns):
                self._add(syn, i, (min(j, 1), len(row.path), i))
                base = self._base_form(syn)
                if base:   # "fluticasone propionate" is what a note calls "fluticasone"
                    self._add(base, i, (2, len(row.path), i))
        self.aliases = {normalize_name(k): normalize_name(v) for k, v in (aliases or {}).items()}
        for alias, target in self.aliases.items():
            i = self._resolve_alias(target, depth=0)
            if i is None or not any(self.rows[i].codes):
                raise InvalidInput(f"{self.kind}: alias {alias!r} -> {target!r} names no row with codes")
            self._add(alias, i, (2, 0, i))
        n = max(len(self.rows), 1)
        self._idf = {t: math.log(1 + n / len(ids)) for t, ids in self._by_token.items()}

    def _base_form(self, synonym: str) -> str | None:
        """The drug without its salt ("fluticasone propionate" -> "fluticasone"); tables of
        sites have none."""
        return None

    def _add(self, synonym: str, row: int, rank: tuple) -> None:
        toks = _stems(synonym)
        if not toks:
            return
        for d, key in zip(self._keys, (" ".join(normalize_name(synonym).split()), " ".join(toks),
                                       "".join(toks), " ".join(sorted(toks)))):
            if key not in d or rank < d[key][1]:
                d[key] = (row, rank, synonym)
        k = len(self._syn)
        self._syn.append((frozenset(toks), row, rank + (normalize_name(synonym),)))
        for t in set(toks):
            self._by_token.setdefault(t, []).append(k)

    def _resolve_alias(self, target: str, depth: int) -> int | None:
        if target in self.aliases and depth < _SEE_DEPTH:
            return self._resolve_alias(self.aliases[target], depth + 1)
        hit = self._exact(target) or self._fuzzy(target)
        return hit[0] if hit else None

    def exact(self, name: str) -> tuple[int, str] | None:
        """(row index, the synonym matched) for a name the table spells (no closest-word guess),
        memoised: a note's readers ask for every word and pair of words."""
        memo = self.__dict__.setdefault("_exact_memo", {})
        if name not in memo:
            if len(memo) > 200_000:
                memo.clear()
            memo[name] = self._exact(name)
        return memo[name]

    def _exact(self, name: str) -> tuple[int, str] | None:
        toks = _stems(name)
        if not toks:
            return None
        for d, key in zip(self._keys, (normalize_name(name), " ".join(toks), "".join(toks),
                                       " ".join(sorted(toks)))):
            if key in d:
                return d[key][0], d[key][2]
        return None

    def _fuzzy(self, name: str) -> tuple[int, str] | None:
        query = set(_stems(name))
        best, best_key = None, None
        for k in {k for t in query for k in self._by_token.get(t, ())}:
            toks, row, rank = self._syn[k]
            shared = toks & query
            key = (toks <= query, sum(self._idf[t] for t in shared), -len(toks - query), tuple(-x for x in rank[:3]))
            if best_key is None or key > best_key:
                best, best_key = (row, rank[3]), key
        return best

    def match(self, name: str) -> tuple[object, str] | None:
        """(row, the synonym or alias that matched) for ``name``; "see" references are followed."""
        hit = self._exact(name) or self._fuzzy(name)
        if hit is None:
            return None
        row, key = self.rows[hit[0]], hit[1]
        for _ in range(_SEE_DEPTH):
            if any(row.codes) or not row.see:
                break
            target = self._see_target(row.see)
            nxt = self._exact(target) if target else None
            if nxt is None:
                break
            row = self.rows[nxt[0]]
        return row, key

    def _see_target(self, see: str) -> str | None:
        return see

    def __len__(self) -> int:
        return len(self.rows)

    @classmethod
    def read(cls, data: bytes, aliases: Mapping[str, str] | None = None, source: str = "packaged"):
        """Parse a built table (gzip TSV: path, synonyms, see, then the six code columns)."""
        try:
            text = gzip.decompress(data).decode("utf-8")
        except (OSError, EOFError, UnicodeDecodeError) as e:
            raise InvalidInput(f"{cls.kind} ({source}): not a gzip UTF-8 table") from e
        lines = text.splitlines()
        want = FIXED_COLUMNS + cls.columns
        if not lines or tuple(lines[0].split("\t")) != want:
            raise InvalidInput(f"{cls.kind} ({source}): bad header (expected {', '.join(want)})")
        rows, synonyms = [], []
        for n, line in enumerate(lines[1:], start=2):
            parts = line.split("\t")
            if len(parts) != len(want) or not parts[0]:
                raise InvalidInput(f"{cls.kind} ({source}): malformed line {n}")
            codes = tuple(c or None for c in parts[3:])
            if any(c and not _TABLE_CODE.match(c) for c in codes):
                raise InvalidInput(f"{cls.kind} ({source}): bad code on line {n}")
            rows.append(cls.row_type(tuple(parts[0].split(PATH_SEP)), codes, parts[2] or None))
            synonyms.append(tuple(s for s in parts[1].split("|") if s) + _listed_forms(parts[0]))
        if not rows:
            raise InvalidInput(f"{cls.kind} ({source}): no rows")
        return cls(rows, synonyms, aliases)


def _listed_forms(path: str) -> tuple[str, ...]:
    """The names a row lists its forms by after its first ("Ferrous fumerate, gluconate, lactate,
    salt NEC, sulfate": "ferrous sulfate", "ferrous gluconate"...), each a name of the row."""
    parts = [p.strip() for p in path.split(",")]
    words = parts[0].split()
    if PATH_SEP in path or len(parts) < 3 or len(words) != 2:
        return ()
    forms = [re.sub(r" NEC$", "", p) for p in parts[1:]]
    if not all(len(f.split()) == 1 for f in forms):
        return ()
    return tuple(f"{words[0]} {f}".lower() for f in forms)


# The salt or ester a drug's row names beside its base ("... propionate", "... sodium"):
# chemistry's names, so a note's base name finds the row.
_SALTS = frozenset("propionate furoate dipropionate acetonide sodium potassium calcium hydrochloride hcl "
                   "maleate succinate tartrate sulfate besylate mesylate acetate citrate fumarate bromide "
                   "phosphate valerate xinafoate magnesium".split())


class DrugTable(_Table):
    """The Table of Drugs and Chemicals, with brand and class aliases ("Eliquis" -> "apixaban" ->
    "Anticoagulant NEC") from ``data/z79_classes.json``."""

    columns = DRUG_COLUMNS
    kind = "drug table"
    row_type = DrugRow

    def _base_form(self, synonym: str) -> str | None:
        words = synonym.lower().split()
        return words[0] if len(words) == 2 and words[1] in _SALTS and len(words[0]) > 4 else None

    def medicinal(self, name: str) -> str:
        """The name of a medication the Table lists as an element, with no adverse-effect column,
        and as the element's salts below it: those salts ("lithium" on a medication list or in
        "lithium toxicity at a therapeutic level": Lithium > salts (carbonate), T43.59-, not the
        metal); any other name as it is."""
        hit = self.exact(name)
        codes = self.rows[hit[0]].codes if hit is not None else ()
        if not any(codes) or codes[4] is not None:
            return name
        salts = name + " salts"
        found = self.exact(salts)
        return salts if found is not None and self.rows[found[0]].codes[4] is not None else name

    def lookup(self, name: str) -> DrugRow | None:
        """The row for a drug name: ``lookup("Warfarin")``, ``lookup("insulin, human")``,
        ``lookup("Calcium channel blockers")`` (plural), ``lookup("Xarelto")`` (alias to the
        anticoagulant row); None when nothing in the table names it."""
        hit = self.match(name)
        return hit[0] if hit else None


class NeoplasmTable(_Table):
    """The Neoplasm Table; site paths leave out its main term ("Lung > upper lobe")."""

    columns = NEOPLASM_COLUMNS
    kind = "neoplasm table"
    row_type = NeoplasmRow

    def lookup(self, site: str) -> NeoplasmRow | None:
        """The row for an anatomical site: "lung", "upper lobe of right lung" (Lung > upper lobe),
        "prostate", "brain"; laterality words are left for ``NeoplasmRow.code``/``refine``."""
        words = [_SITE_WORDS.get(w, w) for w in normalize_name(site).split()]
        kept = [w for w in words if w not in _NOT_SITE]
        hit = self.match(" ".join(kept or words))
        return hit[0] if hit else None

    def site_words(self) -> frozenset[str]:
        """Every word the table's site names use ("colon", "sigmoid", "knee", "joint")."""
        return frozenset(self._by_token)

    def _see_target(self, see: str) -> str | None:
        # "see Neoplasm, skin" stays in the table; "see Mesothelioma" leaves it (main index)
        head, _, rest = see.partition(",")
        return rest if head.strip().lower() == "neoplasm" and rest.strip() else None


# -- long-term drug therapy (Z79) --------------------------------------------------------------
@dataclass(frozen=True)
class Z79Rule:
    """One line of ``z79_classes.json``: when the drug's Table-of-Drugs code starts with
    ``prefix`` (if given), its names say one of ``names`` (if given) and the note says one of
    ``words`` (if given), the long-term therapy code is ``z79``."""

    z79: str
    label: str
    prefix: str | None = None
    names: tuple[tuple[str, ...], ...] = ()
    words: tuple[tuple[str, ...], ...] = ()

    def applies(self, category: str | None, tokens: set[str]) -> bool:
        if self.prefix and not (category and category.startswith(self.prefix)):
            return False
        if self.names and not any(set(n) <= tokens for n in self.names):
            return False
        return not self.words or any(set(w) <= tokens for w in self.words)


@dataclass(frozen=True)
class Z79Rules:
    """The class -> Z79 table (first rule that applies wins) and the default for any other drug
    in the table (Z79.899)."""

    rules: tuple[Z79Rule, ...]
    default: str
    aliases: Mapping[str, str]

    @classmethod
    def parse(cls, doc: object, source: str = "z79_classes.json") -> "Z79Rules":
        if not isinstance(doc, dict) or doc.get("version") != 1 or not isinstance(doc.get("rules"), list):
            raise InvalidInput(f"{source}: expected version 1 with a 'rules' list")
        aliases = doc.get("aliases", {})
        if not isinstance(aliases, dict) or not all(isinstance(k, str) and isinstance(v, str) and v
                                                    for k, v in aliases.items()):
            raise InvalidInput(f"{source}: 'aliases' must map names to names")
        rules = tuple(_parse_rule(r, i, source) for i, r in enumerate(doc["rules"]))
        default = doc.get("default")
        if not isinstance(default, str) or not _Z79.match(default):
            raise InvalidInput(f"{source}: 'default' must be a Z79 code")
        return cls(rules, default, dict(aliases))

    def check(self, icd10cm) -> None:
        """Every code named must be billable in ``icd10cm`` (the FY2026 tabular)."""
        for code in {r.z79 for r in self.rules if r.z79 != NOT_THERAPY} | {self.default}:
            if not _billable(icd10cm, code):
                raise InvalidInput(f"z79_classes.json: {code} is not a billable code in {icd10cm!r}")


def _parse_rule(raw: object, i: int, source: str) -> Z79Rule:
    if not isinstance(raw, dict) or not isinstance(raw.get("z79"), str) or not (
            _Z79.match(raw["z79"]) or raw["z79"] == "none"):
        raise InvalidInput(f"{source}: rule {i} needs a Z79 code or 'none' in 'z79'")
    if not raw.get("prefix") and not raw.get("names"):
        raise InvalidInput(f"{source}: rule {i} needs a 'prefix' or 'names'")
    unknown = set(raw) - {"z79", "class", "prefix", "names", "words"}
    if unknown:
        raise InvalidInput(f"{source}: rule {i} has unknown keys {sorted(unknown)}")

    def phrases(key: str) -> tuple[tuple[str, ...], ...]:
        value = raw.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and _stems(v) for v in value):
            raise InvalidInput(f"{source}: rule {i} '{key}' must be a list of names")
        return tuple(_stems(v) for v in value)

    prefix = raw.get("prefix")
    if prefix is not None and (not isinstance(prefix, str) or not re.match(r"^T[0-9]{2}(\.[0-9A-Z]{0,3})?$", prefix)):
        raise InvalidInput(f"{source}: rule {i} 'prefix' must be a T-code start such as T45.51")
    z79 = NOT_THERAPY if raw["z79"] == "none" else raw["z79"]
    return Z79Rule(z79, str(raw.get("class", "")), prefix, phrases("names"), phrases("words"))


def _package_bytes(name: str) -> bytes:
    return resources.files("server.pipeline").joinpath("data", name).read_bytes()


@lru_cache(maxsize=1)
def names_drug(table: "DrugTable", name: str) -> bool:
    """Whether ``name`` is a drug as the Table of Drugs lists it: a row (after its "see") with an
    adverse-effect column, or a long-term class's own word ("statin"). A venom, a chemical or a
    longer name the word is only part of is none ("spider" angiomata; "alfa" of "epoetin alfa";
    "oral" of "oral contraceptives")."""
    hit = table.match(name)
    if hit is not None:
        row, key = hit
        partial = set(_stems(key)) - set(_stems(name))
        if not partial:
            return row.codes[4] is not None or not any(row.codes)
    stems = set(_stems(name))
    return any(r.names and not r.prefix and r.applies(None, stems) for r in _packaged_z79_rules().rules)


@functools.lru_cache(maxsize=1)
def _packaged_z79_rules() -> "Z79Rules":
    """The packaged rules, parsed once per process (``names_drug`` asks for every word it reads)."""
    return load_z79_rules()


def load_z79_rules() -> Z79Rules:
    """The packaged ``data/z79_classes.json``; fails with InvalidInput when malformed."""
    try:
        doc = json.loads(_package_bytes("z79_classes.json"))
    except json.JSONDecodeError as e:
        raise InvalidInput("z79_classes.json: not valid JSON") from e
    return Z79Rules.parse(doc)


@lru_cache(maxsize=1)
def load_drug_table() -> DrugTable:
    """The packaged Table of Drugs, with the brand/class aliases of ``z79_classes.json``."""
    return DrugTable.read(_package_bytes("drug_table.tsv.gz"), load_z79_rules().aliases)


@lru_cache(maxsize=1)
def load_neoplasm_table() -> NeoplasmTable:
    """The packaged Neoplasm Table."""
    return NeoplasmTable.read(_package_bytes("neoplasm_table.tsv.gz"))


_checked: set[int] = set()


def long_term_code(drug_name: str, icd10cm=None, *, table: DrugTable | None = None,
                   rules: Z79Rules | None = None) -> str | None:
    """The Z79 code for long-term (current) use of ``drug_name`` (guideline I.C.21.c.3), from the
    class the Table of Drugs puts it in and, where one class holds several Z79 codes, its name:
    "Eliquis" -> Z79.01, "clopidogrel" -> Z79.02, "aspirin" -> Z79.82, "insulin glargine" ->
    Z79.4, "metformin" -> Z79.84, "Ozempic" -> Z79.85, "fluticasone inhaler" -> Z79.51,
    "atorvastatin" -> Z79.899; NOT_THERAPY for a class taken without being drug therapy ("ferrous
    sulfate", "docusate"). None for a name neither the table nor a rule knows.
    With ``icd10cm``, the rules' codes are checked billable there once (InvalidInput if not)."""
    table = table or load_drug_table()
    rules = rules or _packaged_z79_rules()
    if icd10cm is not None and id(icd10cm) not in _checked:
        rules.check(icd10cm)
        _checked.add(id(icd10cm))
    code = _long_term_one(drug_name, table, rules)
    parts = [p for p in _COMBINATION.split(drug_name) if p.strip()]
    if code in (None, rules.default) and len(parts) > 1:
        # a combination product ("hydrocodone-acetaminophen", "Percocet" spelled out): the
        # component with a specific class decides
        found = [c for c in (_long_term_one(p, table, rules) for p in parts) if c]
        code = next((c for c in found if c != rules.default), found[0] if found else code)
    return code


_COMBINATION = re.compile(r"\s*(?:/|\+|-|\band\b|\bwith\b)\s*", re.IGNORECASE)


def _long_term_one(drug_name: str, table: DrugTable, rules: Z79Rules) -> str | None:
    hit = table.match(drug_name)
    names = [drug_name]
    category = None
    if hit is not None:
        row, key = hit
        names += [key, row.name] + _alias_chain(table.aliases, key)
        category = row.category()
    tokens = {t for n in names for t in _stems(n)}
    for rule in rules.rules:
        if rule.applies(category, tokens):
            return rule.z79
    return rules.default if hit is not None and category else None


def _alias_chain(aliases: Mapping[str, str], key: str) -> list[str]:
    """"ozempic" -> ["semaglutide", "antidiabetic"]: every name an alias passes through."""
    out: list[str] = []
    while key in aliases and len(out) < _SEE_DEPTH:
        key = aliases[key]
        out.append(key)
    return out

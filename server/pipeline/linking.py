"""The model stage: phrases of the note the lexicon did not name, linked to ICD-10-CM codes by the
code-embedding model (``server.models.CodeLinker``, served in-process or by Triton).

The lexicon only finds what its terms spell; a translated or unusual phrasing ("tumefaction of
the left testicle") is missed. The stage cuts each sentence into short phrases at function words
and punctuation, drops those a lexicon mention already covers, and asks the linker for the nearest
codes. A linked code is a *low-confidence* suggestion: it is ranked below the codes the words or
the document classifier support (confidence at most ``LINK_WEIGHT``), carries its phrase as
evidence, and goes through ConText like any mention, so "no testicular swelling" links nothing.

    stage = LinkerStage(CodeLinker.load())
    stage.find(text, sentences, mentions)   # -> [Mention(source="model", candidates=[...])]
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from server.domain import CodeSystem
from server.pipeline.entities import Candidate, Mention, Sentence
from server.pipeline.findings import Finding
from server.pipeline.lexicon import STOPWORDS

# Words that end a phrase: a phrase is what lies between them ("pain in the left iliac fossa
# with fever" -> "pain", "left iliac fossa", "fever").
_BREAK = frozenset((
    "and", "or", "but", "with", "without", "of", "the", "a", "an", "was", "were", "is", "are", "be",
    "been", "which", "that", "who", "showed", "revealed", "presented", "had", "has", "have", "no",
    "not", "in", "on", "for", "to", "at", "by", "from", "after", "before", "since", "during", "due",
    "as", "than", "then", "this", "these", "there", "it", "he", "she", "his", "her", "we", "our",
))
LINK_WEIGHT = 0.2       # a linked code's confidence is LINK_WEIGHT x cosine: always below the threshold
MIN_COSINE = 0.7        # nearer than this or not at all
MAX_PHRASES = 64        # per note: the longest uncovered phrases first (bounded model work)
MAX_WORDS = 8
MAX_COVERED = 32        # lexicon mentions embedded too (for ``similarity``), per note


class LinkerStage:
    name = "model"

    def __init__(self, linker, *, k: int = 3, min_cosine: float = MIN_COSINE, max_phrases: int = MAX_PHRASES):
        """``linker``: ``server.models.CodeLinker`` (``embed_mentions``, ``nearest_codes``, ``index``),
        whatever backend its encoder runs on."""
        self.linker = linker
        self.k = k
        self.min_cosine = min_cosine
        self.max_phrases = max_phrases

    def phrases(self, sentences: Sequence[Sentence], covered: Sequence[Mention]) -> list[tuple[int, int, int]]:
        """(sentence, first token, end token) of the uncovered phrases, longest first, at most
        ``max_phrases``; each distinct wording once."""
        taken: dict[int, list[tuple[int, int]]] = {}
        for m in covered:
            taken.setdefault(m.sentence, []).append((m.tok_start, m.tok_end))
        out: dict[tuple[str, ...], tuple[int, int, int]] = {}
        for si, s in enumerate(sentences):
            toks = s.tokens
            a = 0
            for i in range(len(toks) + 1):
                if i < len(toks) and toks[i].norm not in _BREAK and toks[i].norm[:1].isalnum():
                    continue
                words = tuple(t.norm for t in toks[a:i])
                if 1 <= len(words) <= MAX_WORDS and any(w not in STOPWORDS and not w.isdigit() for w in words) \
                        and not any(ta < i and a < tb for ta, tb in taken.get(si, ())):
                    out.setdefault(words, (si, a, i))
                a = i + 1
        ranked = sorted(out.values(), key=lambda p: (-(p[2] - p[1]), p[0], p[1]))
        return ranked[:self.max_phrases]

    def find(self, text: str, sentences: Sequence[Sentence], covered: Sequence[Mention]) -> tuple[list[Mention], np.ndarray]:
        """Mentions whose candidates are the linked codes (nearest first, cosine as score), and
        the unit vectors of every phrase embedded (uncovered phrases and the lexicon mentions,
        at most ``MAX_COVERED`` of those), for ``similarity``. One model call per note."""
        spans = self.phrases(sentences, covered)
        texts = [text[sentences[si].tokens[a].start:sentences[si].tokens[b - 1].end] for si, a, b in spans]
        named = list(dict.fromkeys(text[m.start:m.end] for m in covered))[:MAX_COVERED]
        if not texts and not named:
            return [], np.zeros((0, 0), np.float32)
        vectors = self.linker.embed_mentions(texts + named)
        out: list[Mention] = []
        if texts:
            ids, scores = self.linker.nearest_codes(vectors[:len(texts)], self.k, self.min_cosine)
            codes = self.linker.index.codes
            for (si, a, b), row_ids, row_scores in zip(spans, ids, scores):
                cands = [Candidate(str(codes[i]), CodeSystem.ICD10CM, float(cos), "model")
                         for i, cos in zip(row_ids.tolist(), row_scores.tolist()) if cos >= self.min_cosine]
                if not cands:
                    continue
                s = sentences[si]
                out.append(Mention(s.tokens[a].start, s.tokens[b - 1].end, si, a, b, cands, self.name,
                                   words=tuple(t.norm for t in s.tokens[a:b])))
        return out, vectors

    def similarity(self, found: dict[str, Finding], vectors: np.ndarray) -> None:
        """Each ICD-10-CM finding's best cosine to any embedded phrase of the note (a feature of
        the fusion model: how well the note's wording fits the code, whoever proposed it)."""
        index = self.linker.index
        cm = [f for f in found.values() if f.system is CodeSystem.ICD10CM]
        if not cm or vectors.size == 0:
            return
        # a 7-character code is linked through its base row (S72.001A -> S72.001)
        rows = [r if (r := index.row_of(f.code)) is not None else index.row_of(f.code[:-1]) for f in cm]
        have = [i for i, r in enumerate(rows) if r is not None]
        if not have:
            return
        sims = vectors @ index.matrix[[rows[i] for i in have]].T
        for i, v in zip(have, sims.max(axis=0).tolist()):
            cm[i].similarity = round(float(v), 4)

"""A token trie: leftmost-longest matching of many phrases in one pass over a token list.

Matching cost grows with the note's length, not with the number of phrases, so ten thousand
lexicon terms cost the same per token as ten.
"""
from __future__ import annotations

from typing import Generic, Iterable, Sequence, TypeVar

T = TypeVar("T")
_END = "\x00"
# Skip words jumped in a row inside one phrase ("fracture of left wrist": one); more than any
# phrase needs, and few enough that a run of them costs a bounded walk from each word.
MAX_SKIPPED = 4


class TokenTrie(Generic[T]):
    """Phrases (token tuples) mapped to payload lists."""

    def __init__(self) -> None:
        self._root: dict = {}
        self.size = 0

    def add(self, phrase: Sequence[str], payload: T) -> None:
        """Add one phrase; a phrase added twice keeps both payloads."""
        if not phrase:
            return
        node = self._root
        for tok in phrase:
            node = node.setdefault(tok, {})
        bucket = node.get(_END)
        if bucket is None:
            node[_END] = [payload]
            self.size += 1
        elif payload not in bucket:
            bucket.append(payload)

    def get(self, phrase: Sequence[str]) -> list[T]:
        node = self._root
        for tok in phrase:
            node = node.get(tok)
            if node is None:
                return []
        return list(node.get(_END, ()))

    def items(self) -> Iterable[tuple[tuple[str, ...], list[T]]]:
        """Every (phrase, payloads), depth first."""
        stack: list[tuple[dict, tuple[str, ...]]] = [(self._root, ())]
        while stack:
            node, path = stack.pop()
            for tok, child in node.items():
                if tok == _END:
                    yield path, child
                else:
                    stack.append((child, path + (tok,)))

    def longest_at(self, words: Sequence[str], i: int, skip: frozenset[str] = frozenset()) -> tuple[int, list[T]]:
        """(end index, payloads) of the longest phrase starting at ``words[i]``; (i, []) if none.
        Words in ``skip`` may also be jumped inside a phrase ("fracture left wrist" ~ "fracture wrist"),
        at most ``MAX_SKIPPED`` of them in a row: a run of side words longer than any phrase has
        ("left right left right ...") is not searched through from each of its words."""
        best: list = [i, [], 0]
        n = len(words)
        # depth first, the jump over a skip word before reading it as part of the phrase; of
        # equally long phrases the one that reads more of the words wins ("sprain of anterior
        # cruciate ligament" is the anterior one's, not the cruciate ligament's with "anterior"
        # jumped); (node, j, jumped, read_j, total jumps) states, each once
        stack: list[tuple[dict, int, int, bool, int]] = [(self._root, i, 0, False, 0)]
        seen: set[tuple[int, int, int, bool]] = set()
        while stack:
            node, j, jumped, read_j, total = stack.pop()
            while j < n:
                w = words[j]
                if not read_j and w in skip and j > i and jumped < MAX_SKIPPED:
                    state = (id(node), j, jumped, True)
                    if state not in seen:
                        seen.add(state)
                        stack.append((node, j, jumped, True, total))   # then: w read as part of the phrase
                    state = (id(node), j + 1, jumped + 1, False)
                    if state not in seen:
                        seen.add(state)
                        stack.append((node, j + 1, jumped + 1, False, total + 1))   # first: w jumped
                    break
                read_j = False
                node = node.get(w)
                if node is None:
                    break
                j += 1
                jumped = 0
                if _END in node and (j > best[0] or j == best[0] and total < best[2]):
                    best[0], best[1], best[2] = j, node[_END], total
        return best[0], best[1]

    def find(self, words: Sequence[str], skip: frozenset[str] = frozenset()) -> Iterable[tuple[int, int, list[T]]]:
        """Leftmost-longest matches as (start, end, payloads) token indices. Matches do not
        overlap, except that a phrase starting inside a match and running past its end is also
        found: "diabetes with chronic kidney disease, stage 3a" yields the diabetes phrase and
        "chronic kidney disease stage 3a"."""
        i, n = 0, len(words)
        while i < n:
            if words[i] in self._root:
                end, payloads = self.longest_at(words, i, skip)
                if payloads:
                    yield i, end, payloads
                    tail = self._overrun(words, i, end, skip)
                    if tail is not None:
                        yield tail
                        end = tail[1]
                    i = end
                    continue
            i += 1

    def _overrun(self, words: Sequence[str], start: int, end: int, skip: frozenset[str]):
        """The first phrase that starts inside ``words[start:end]`` and ends after it, if any;
        none where a phrase that starts after the match runs further than it ("metabolic
        encephalopathy and acute kidney injury": "acute kidney injury", not "encephalopathy,
        acute")."""
        for k in range(start + 1, end):
            if words[k] in self._root:
                e, payloads = self.longest_at(words, k, skip)
                if e > end and payloads:
                    if any(words[j] in self._root and self.longest_at(words, j, skip)[0] > e for j in range(end, e)):
                        return None
                    return k, e, payloads
        return None

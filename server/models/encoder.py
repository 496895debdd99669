"""The mention encoder graph's contract, shared by every backend that runs it.

The graph (``model_repository/code_linker/1/model.onnx``) takes ``input_ids`` and
``attention_mask`` (int64 [rows, tokens]) and returns ``mention_embedding`` (float32 [rows, 128]).
``MAX_BATCH_ROWS`` is the most rows one run takes: the Triton configs' ``max_batch_size``, the
embedded queue's and the phrase embedder's slice. Phrases are embedded through one path, serving
and offline alike: ``server.backends.PhraseEmbedder`` on a ``ModelBackend`` (``CodeLinker.load``).
"""
from __future__ import annotations

import numpy as np

INPUT_NAMES = ("input_ids", "attention_mask")
OUTPUT_NAME = "mention_embedding"
MAX_BATCH_ROWS = 64


def pad_rows(rows: list[list[int]], width: int) -> tuple[np.ndarray, np.ndarray]:
    """Token id lists -> int64 ``input_ids`` and ``attention_mask`` [len(rows), width], zero-padded."""
    ids = np.zeros((len(rows), width), dtype=np.int64)
    mask = np.zeros((len(rows), width), dtype=np.int64)
    for r, tok in enumerate(rows):
        ids[r, :len(tok)] = tok
        mask[r, :len(tok)] = 1
    return ids, mask

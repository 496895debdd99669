"""Mention encoder at serve time: ONNX Runtime session + the shipped fast tokenizer, no torch.

    enc = MentionEncoder.load(default_model_dir())
    enc.embed_mentions(["CHF", "acute on chronic systolic HF"])   # float32 [2, 128], unit rows

Inputs are sorted by length and cut into batches of ``batch_size`` so a long mention does not pad
every short one; rows come back in the caller's order.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from server.models.errors import ModelArtifactError

INPUT_NAMES = ("input_ids", "attention_mask")
OUTPUT_NAME = "mention_embedding"


@dataclass(frozen=True)
class EncoderOptions:
    """``max_tokens``: longer mentions are truncated (a mention is a phrase, not a note)."""
    batch_size: int = 32
    max_tokens: int = 64
    intra_op_threads: int = 1


def pad_rows(rows: list[list[int]], width: int) -> tuple[np.ndarray, np.ndarray]:
    """Token id lists -> int64 ``input_ids`` and ``attention_mask`` [len(rows), width], zero-padded."""
    ids = np.zeros((len(rows), width), dtype=np.int64)
    mask = np.zeros((len(rows), width), dtype=np.int64)
    for r, tok in enumerate(rows):
        ids[r, :len(tok)] = tok
        mask[r, :len(tok)] = 1
    return ids, mask


class MentionEncoder:
    def __init__(self, session, tokenizer, options: EncoderOptions):
        self._session = session
        self._tokenizer = tokenizer
        self.options = options
        outputs = {o.name: o for o in session.get_outputs()}
        if OUTPUT_NAME not in outputs or {i.name for i in session.get_inputs()} != set(INPUT_NAMES):
            raise ModelArtifactError("encoder graph does not have the mention-embedding contract")
        self.dim = int(outputs[OUTPUT_NAME].shape[-1])

    @classmethod
    def load(cls, onnx_path: Path, tokenizer_path: Path,
             options: EncoderOptions = EncoderOptions()) -> "MentionEncoder":
        import onnxruntime as ort
        from tokenizers import Tokenizer

        for p in (onnx_path, tokenizer_path):
            if not Path(p).is_file():
                raise ModelArtifactError(f"model artifact missing: {Path(p).name}")
        so = ort.SessionOptions()
        so.intra_op_num_threads = options.intra_op_threads
        so.inter_op_num_threads = 1
        session = ort.InferenceSession(str(onnx_path), so, providers=["CPUExecutionProvider"])
        tok = Tokenizer.from_file(str(tokenizer_path))
        tok.no_padding()
        tok.enable_truncation(options.max_tokens)
        return cls(session, tok, options)

    def tokenize(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """int64 ``input_ids`` and ``attention_mask``, padded to the longest text in ``texts``."""
        rows = [e.ids for e in self._tokenizer.encode_batch(list(texts))]
        return pad_rows(rows, max((len(r) for r in rows), default=0))

    def run(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
        """One session call on an already tokenised batch (what Triton's backends receive)."""
        return self._session.run([OUTPUT_NAME], {"input_ids": input_ids,
                                                 "attention_mask": attention_mask})[0]

    def embed_mentions(self, texts: list[str]) -> np.ndarray:
        """Unit-length float32 vectors, one row per text, in the order given."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        lengths = [len(t) for t in texts]
        order = sorted(range(len(texts)), key=lengths.__getitem__)
        step = self.options.batch_size
        for s in range(0, len(order), step):
            rows = order[s:s + step]
            ids, mask = self.tokenize([texts[r] for r in rows])
            out[rows] = self.run(ids, mask)
        return out

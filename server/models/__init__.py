"""In-process model runtime: ONNX Runtime + the `tokenizers` fast tokenizer, never torch.

One shared encoder (``model_repository/code_linker``, a fine-tuned int8 MiniLM): its 128-d
mention embedding is matched against a shipped ICD-10-CM code-description matrix (``CodeLinker``),
and its token states feed two small numpy heads, NER tags and label-attention code probabilities
(``NoteModel``). See docs/models.md.
"""
from server.models.code_index import CodeIndex, quantize_rows
from server.models.encoder import INPUT_NAMES, MAX_BATCH_ROWS, OUTPUT_NAME
from server.models.errors import ModelArtifactError
from server.models.heads import (CodeProb, Entity, HeadsOptions, HeadWeights, NoteModel, NoteOutput,
                                 heads_from_states)
from server.models.linker import CodeLinker, LinkerOptions, default_model_dir, open_embedder

__all__ = ["CodeIndex", "CodeLinker", "CodeProb", "Entity", "HeadWeights", "HeadsOptions", "INPUT_NAMES",
           "LinkerOptions", "MAX_BATCH_ROWS", "ModelArtifactError", "NoteModel", "NoteOutput", "OUTPUT_NAME",
           "default_model_dir", "heads_from_states", "open_embedder", "quantize_rows"]

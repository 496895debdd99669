"""In-process model runtime: ONNX Runtime + the `tokenizers` fast tokenizer, never torch.

The one model so far is the code linker (``model_repository/code_linker``): a fine-tuned
MiniLM encoder whose 128-d mention embedding is matched against a shipped ICD-10-CM
code-description matrix. See docs/models.md.
"""
from server.models.code_index import CodeIndex, quantize_rows
from server.models.encoder import INPUT_NAMES, OUTPUT_NAME, EncoderOptions, MentionEncoder
from server.models.errors import ModelArtifactError
from server.models.linker import CodeLinker, default_model_dir

__all__ = ["CodeIndex", "CodeLinker", "EncoderOptions", "INPUT_NAMES", "MentionEncoder",
           "ModelArtifactError", "OUTPUT_NAME", "default_model_dir", "quantize_rows"]

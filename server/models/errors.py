"""Errors of the in-process model runtime."""
from __future__ import annotations

from server.errors import MedcoderError


class ModelArtifactError(MedcoderError):
    """A shipped model file is missing, truncated or does not match the runtime's contract.

    Raised at load (start-up), never per request: a server that cannot load its models should
    not report SERVING. The message names the file, never any input text.
    """

"""Typed errors of the code-set layer.

rules_native imports nothing of the gateway, so these do not derive from ``server.errors``; the
gateway maps them at its boundary (``CodeFormatError`` -> INVALID_ARGUMENT, ``CodeSetError`` ->
INTERNAL/FAILED_PRECONDITION). Messages never echo free text: a caller may pass a note span where
a code was expected, so at most a short code-shaped token is quoted.
"""
from __future__ import annotations

import re

_CODE_SHAPED = re.compile(r"^[A-Za-z0-9. -]{1,10}$")


class CodeSetError(Exception):
    """A code-set source or compiled cache is missing, malformed, or of the wrong layout."""


class CodeFormatError(CodeSetError, ValueError):
    """A code string does not have the shape of a code of the named system."""

    def __init__(self, system: str, raw: object, expected: str):
        self.system = system
        self.expected = expected
        super().__init__(f"malformed {system} code {quote_token(raw)}: expected {expected}")


def quote_token(raw: object) -> str:
    """Quote ``raw`` only when it is short and code-shaped, so no note text reaches a message."""
    if isinstance(raw, str) and _CODE_SHAPED.match(raw):
        return repr(raw)
    if isinstance(raw, str):
        return f"<{len(raw)} characters>"
    return f"<{type(raw).__name__}>"

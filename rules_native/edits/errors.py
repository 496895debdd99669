"""Typed errors for edit tables, coverage files and payer rule packs.

Messages name the file (base name only) and the line, never a claim's contents: tables are
public CMS data, but the same errors can surface next to a claim in a log.
"""
from __future__ import annotations


class EditTableError(Exception):
    """Base for everything that goes wrong while loading an edit table."""


class TableFormatError(EditTableError):
    """A table's header or a row does not match the layout we accept."""

    def __init__(self, source: str, message: str, line: int | None = None):
        where = f"{source}, line {line}" if line is not None else source
        super().__init__(f"{where}: {message}")
        self.source = source
        self.line = line


class CoverageFormatError(TableFormatError):
    """An LCD/NCD coverage CSV does not follow the documented layout."""


class RulePackError(EditTableError):
    """A payer rule pack (YAML) fails validation."""

    def __init__(self, source: str, message: str, rule: str | None = None):
        where = f"{source}, rule {rule}" if rule else source
        super().__init__(f"{where}: {message}")
        self.source = source
        self.rule = rule

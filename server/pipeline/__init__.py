"""The coding pipeline: sections, entities, ConText, code mapping, guidelines, CDI queries."""
from server.pipeline.pipeline import Pipeline, analyse_sentences

__all__ = ["Pipeline", "analyse_sentences"]

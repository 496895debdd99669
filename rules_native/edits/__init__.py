"""Payer edit tables as arrays and the Numba kernels that apply them.

Loaders (``load_ptp``, ``load_mue``, ``load_coverage``, ``load_rule_pack``) read the user's files,
check their layout and fail with typed errors; PTP/MUE compile into ``.npy`` entries of the one
compiled cache (``rules_native.cache``). ``index`` merges loaded tables into kernel layouts;
``kernels`` find conflicts.
"""
from .coverage import CoverageTable, DxMatcher, load_coverage
from .dates import Quarter
from .errors import CoverageFormatError, EditTableError, RulePackError, TableFormatError
from .index import Excludes1Index, MueIndex, PtpIndex, Vocab, select_quarter
from .mue import MAI_CLINICAL, MAI_LINE, MAI_POLICY, MueTable, load_mue
from .payer_rules import RulePack, load_rule_pack
from .ptp import PtpTable, load_ptp

__all__ = [
    "CoverageFormatError", "CoverageTable", "DxMatcher", "EditTableError", "Excludes1Index",
    "MAI_CLINICAL", "MAI_LINE", "MAI_POLICY", "MueIndex", "MueTable", "PtpIndex", "PtpTable",
    "Quarter", "RulePack", "RulePackError", "TableFormatError", "Vocab", "load_coverage",
    "load_mue", "load_ptp", "load_rule_pack", "select_quarter",
]

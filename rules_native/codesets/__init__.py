"""Code sets (ICD-10-CM, ICD-10-PCS, HCPCS Level II, CPT) compiled to arrays for the rules engine.

Each loader compiles its source once into a folder of .npy columns in the one compiled cache
(``rules_native.cache``: keyed by the sha256 of the source and of the compiling code) and loads
that in tens of milliseconds afterwards. Codes are
integer ids (row numbers) so Numba kernels work on ``parent``/``billable``/pair arrays.

    cs = load_icd10cm()
    cs.validate("s72.001a")   # Validation(valid=True, billable=True, code='S72.001A', reason='ok')
"""
from .base import CodeSet, Edition, Validation
from .bundle import CodeSets
from .cpt import CPTCodeSet, load_cpt
from .errors import CodeFormatError, CodeSetError
from .hcpcs import HCPCSCodeSet, load_hcpcs
from .icd10cm import ICD10CMCodeSet, load_icd10cm
from .icd10pcs import load_icd10pcs
from .normalize import SYSTEMS, normalize_code

__all__ = [
    "CodeFormatError", "CodeSet", "CodeSetError", "CodeSets", "CPTCodeSet", "Edition",
    "HCPCSCodeSet", "ICD10CMCodeSet", "SYSTEMS", "Validation", "load_cpt", "load_hcpcs",
    "load_icd10cm", "load_icd10pcs", "normalize_code",
]

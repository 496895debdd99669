"""All four code sets behind one object, as the gateway holds them."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .base import CodeSet
from .cpt import CPTCodeSet, load_cpt
from .errors import CodeSetError
from .hcpcs import HCPCSCodeSet, load_hcpcs
from .icd10cm import ICD10CMCodeSet, load_icd10cm
from .icd10pcs import load_icd10pcs
from .normalize import canonical_system


@dataclass(frozen=True)
class CodeSets:
    """ICD-10-CM, ICD-10-PCS, HCPCS (None until a CMS release file is given) and CPT."""

    icd10cm: ICD10CMCodeSet
    icd10pcs: CodeSet
    hcpcs: HCPCSCodeSet | None
    cpt: CPTCodeSet

    @classmethod
    def load(cls, cache_dir: Path | None = None, hcpcs_path: Path | None = None,
             cpt_path: Path | None = None) -> "CodeSets":
        return cls(icd10cm=load_icd10cm(cache_dir), icd10pcs=load_icd10pcs(cache_dir),
                   hcpcs=load_hcpcs(hcpcs_path, cache_dir) if hcpcs_path is not None else None,
                   cpt=load_cpt(cpt_path, cache_dir))

    def get(self, system: object) -> CodeSet:
        """The code set of ``system`` ("ICD10CM", "icd-10-pcs", ``CodeSystem.HCPCS`` ...)."""
        name = canonical_system(system)
        found = {"ICD10CM": self.icd10cm, "ICD10PCS": self.icd10pcs, "HCPCS": self.hcpcs,
                 "CPT": self.cpt}[name]
        if found is None:
            raise CodeSetError("HCPCS code set not loaded: pass the CMS release file "
                               "(HCPC<year>_<MON>_ANWEB.xlsx) as hcpcs_path")
        return found

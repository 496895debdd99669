"""Canonical code forms and the shape of each code system.

ICD-10-CM is dotted upper case ("e1122", " E11.22 " -> "E11.22"); ICD-10-PCS, HCPCS and CPT are
upper case without dots. Shape only: whether a code exists is the code set's business.
"""
from __future__ import annotations

import re

from .errors import CodeFormatError

SYSTEMS = ("ICD10CM", "ICD10PCS", "HCPCS", "CPT")

# Letter, digit, alphanumeric category, then up to four more characters (the 7th may follow
# placeholder X's). U codes (U07.1) and A-Z categories with a letter third (O9A) are legal.
_ICD10CM = re.compile(r"[A-Z][0-9][0-9A-Z](?:[0-9A-Z]{1,4})?")
# PCS values never use the letters I and O (they read as 1 and 0).
_ICD10PCS = re.compile(r"[0-9A-HJ-NP-Z]{7}")
# Level II: one letter A-V and four digits (Level I is CPT).
_HCPCS = re.compile(r"[A-V][0-9]{4}")
# Category I: five digits; Category II/III and PLA: four digits and F, T or U.
_CPT = re.compile(r"[0-9]{5}|[0-9]{4}[FTU]")

_EXPECTED = {
    "ICD10CM": "letter, digit, letter or digit, then up to 4 letters or digits (E11.22)",
    "ICD10PCS": "7 letters or digits without I or O (0016070)",
    "HCPCS": "a letter A-V and 4 digits (E0601)",
    "CPT": "5 digits, or 4 digits and F, T or U (99213, 0001F)",
}
_SHAPE = {"ICD10CM": _ICD10CM, "ICD10PCS": _ICD10PCS, "HCPCS": _HCPCS, "CPT": _CPT}


def canonical_system(system: object) -> str:
    """Accept "ICD10CM", "icd10cm", "ICD-10-CM" or a ``CodeSystem`` enum member."""
    name = getattr(system, "value", system)
    if not isinstance(name, str):
        raise CodeFormatError("code system", name, "one of " + ", ".join(SYSTEMS))
    key = name.upper().replace("-", "").replace("_", "").replace(" ", "")
    if key not in _SHAPE:
        raise CodeFormatError("code system", name, "one of " + ", ".join(SYSTEMS))
    return key


def normalize_code(system: object, raw: object) -> str:
    """Return the canonical form of ``raw`` in ``system`` or raise ``CodeFormatError``.

    >>> normalize_code("ICD10CM", " e1122 ")
    'E11.22'
    >>> normalize_code("HCPCS", "e0601")
    'E0601'
    """
    sys_name = canonical_system(system)
    if not isinstance(raw, str):
        raise CodeFormatError(sys_name, raw, _EXPECTED[sys_name])
    bare = raw.strip().upper()
    if sys_name == "ICD10CM":
        # One dot after the category is the written form; "E11." and "E1.122" are not codes.
        if "." in bare:
            head, _, tail = bare.partition(".")
            if len(head) != 3 or not tail or "." in tail:
                raise CodeFormatError(sys_name, raw, _EXPECTED[sys_name])
            bare = head + tail
    else:
        bare = bare.replace(".", "") if bare.count(".") <= 1 else bare
    if not _SHAPE[sys_name].fullmatch(bare):
        raise CodeFormatError(sys_name, raw, _EXPECTED[sys_name])
    if sys_name == "ICD10CM" and len(bare) > 3:
        return bare[:3] + "." + bare[3:]
    return bare


def undotted(code: str) -> str:
    """ICD-10-CM code without its dot, the form of CMS flat files ("E11.22" -> "E1122")."""
    return code.replace(".", "")


def dotted(code: str) -> str:
    """ICD-10-CM dotted form of an undotted code ("E1122" -> "E11.22")."""
    return code if len(code) <= 3 else code[:3] + "." + code[3:]

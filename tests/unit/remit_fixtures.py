"""X12 835 remittances written for tests: a payer's answer to claims, in the 005010X221A1 layout."""
from __future__ import annotations

from dataclasses import dataclass, field

ISA = ("ISA*00*          *00*          *ZZ*PAYER          *ZZ*PROVIDER       *260601*1200*^*00501*"
       "000000007*0*P*:~")


@dataclass
class Paid:
    """One CLP: ``cas`` are claim-level (group, carc, amount); ``lines`` (code, charge, paid, cas, rarcs)."""

    claim_id: str
    status: str = "1"
    charge: float = 100.0
    paid: float = 80.0
    cas: list[tuple[str, str, float]] = field(default_factory=list)
    lines: list[tuple[str, float, float, list[tuple[str, str, float]], list[str]]] = field(default_factory=list)


def _amt(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".") if x != int(x) else str(int(x))


def transaction(claims: list[Paid], *, payer: str = "BCBS-TX", check: str = "EFT0001", st: str = "0001",
                version: str = "005010X221A1") -> list[str]:
    body = [f"BPR*I*{_amt(sum(c.paid for c in claims))}*C*ACH*CCP*01*999999999*DA*123456*1512345678**01*"
            "999988880*DA*98765*20260601", f"TRN*1*{check}*1512345678", "DTM*405*20260601",
            f"N1*PR*{payer} HEALTH PLAN*XV*{payer}", "N3*1 MAIN ST", "N4*DALLAS*TX*75201", "REF*2U*99999",
            "N1*PE*CLINIC*XX*1234567893", "LX*1"]
    for c in claims:
        body.append(f"CLP*{c.claim_id}*{c.status}*{_amt(c.charge)}*{_amt(c.paid)}*0*12*PCN{c.claim_id}*11*1")
        body += [f"CAS*{g}*{r}*{_amt(a)}" for g, r, a in c.cas]
        body.append("NM1*QC*1*DOE*JANE****MI*123456789A")
        for code, charge, paid, cas, rarcs in c.lines:
            body += [f"SVC*HC:{code}*{_amt(charge)}*{_amt(paid)}**1", "DTM*472*20260501"]
            body += [f"CAS*{g}*{r}*{_amt(a)}" for g, r, a in cas]
            body += [f"LQ*HE*{r}" for r in rarcs]
    seg = [f"ST*835*{st}*{version}"] + body
    return seg + [f"SE*{len(seg) + 1}*{st}"]


def interchange(transactions: list[list[str]], version: str = "005010X221A1") -> str:
    segs = [ISA, f"GS*HP*PAYER*PROVIDER*20260601*1200*7*X*{version}"]
    for t in transactions:
        segs += t
    segs += [f"GE*{len(transactions)}*7", "IEA*1*000000007"]
    return "\n".join(s if s.endswith("~") else s + "~" for s in segs)


def remittance(claims: list[Paid], **kw) -> bytes:
    return interchange([transaction(claims, **kw)]).encode("ascii")

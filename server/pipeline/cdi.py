"""Clarification (CDI) queries: the best supported code is unspecified, but documentation could
support a more specific one. "CHF" alone -> I50.9 and a query for type and acuity."""
from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from server.domain import Assertion, CdiQuery
from server.errors import InvalidInput
from server.pipeline.findings import Finding


class CdiRules:
    """Query templates by code prefix (``data/cdi.json``)."""

    def __init__(self, data: dict):
        if data.get("version") != 1 or not isinstance(data.get("queries"), list):
            raise InvalidInput("cdi rules: expected version 1 with a 'queries' list")
        try:
            self.queries = [(tuple(q["codes"]), tuple(q["missing"]), str(q["question"])) for q in data["queries"]]
            self.defaults = {str(k): str(v) for k, v in data["defaults"].items()}
        except (KeyError, TypeError) as e:
            raise InvalidInput(f"cdi rules: malformed entry ({type(e).__name__})") from e

    @classmethod
    def load(cls, path: Path | None = None) -> "CdiRules":
        if path is None:
            raw = resources.files("server.pipeline").joinpath("data/cdi.json").read_text("utf-8")
        else:
            raw = Path(path).read_text("utf-8")
        return cls(json.loads(raw))

    def queries_for(self, findings: list[Finding]) -> list[CdiQuery]:
        """One query per code whose documentation leaves something out.

        "Fall, fractured right wrist" -> S62.101A with the encounter assumed: a query for the
        episode of care. "DM2" alone -> E11.9: a query for complication status.
        """
        out: list[CdiQuery] = []
        for f in findings:
            if f.assertion not in (Assertion.PRESENT, Assertion.POSSIBLE):
                continue
            missing: list[str] = []
            questions: list[str] = []
            for prefixes, what, question in self.queries:
                if f.code in prefixes or any(f.code.startswith(p) and len(p) > 5 for p in prefixes):
                    missing.extend(what)
                    questions.append(question)
                    break
            for d in dict.fromkeys(f.defaults):
                if d in self.defaults:
                    missing.append(d if d != "encounter" else "episode of care (7th character)")
                    questions.append(self.defaults[d])
            if missing:
                out.append(CdiQuery(f.code, " ".join(questions), tuple(missing), tuple(f.evidence[:3])))
        return out

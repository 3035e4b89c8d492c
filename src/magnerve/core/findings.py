"""Collects the reasons and the rule trace while a plan is being made."""

from __future__ import annotations

from typing import Any

from magnerve.core.plan import Reason, TraceStep
from magnerve.knowledge import Knowledge

__all__ = ["Findings"]


class _Blank(dict[str, Any]):
    """format_map helper: a placeholder the rule did not fill stays visible, never crashes."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


class Findings:
    """Reasons (with severities and sources from safety.toml) and the trace of rules run."""

    def __init__(self, knowledge: Knowledge) -> None:
        self._knowledge = knowledge
        self.reasons: list[Reason] = []
        self.trace: list[TraceStep] = []
        self._seen: set[tuple[str, str]] = set()

    def add(self, code: str, *, sources: tuple[str, ...] = (), **values: Any) -> None:
        """Raise reason ``code``; its message is filled from ``values``."""
        reason_code = self._knowledge.codes[code]
        message = reason_code.message.format_map(_Blank(values))
        if (code, message) in self._seen:
            return
        self._seen.add((code, message))
        merged = tuple(dict.fromkeys((*reason_code.sources, *sources)))
        self.reasons.append(Reason(code, reason_code.severity, message, merged))

    def rule(self, rule: str, fired: bool, outcome: str, **inputs: Any) -> None:
        """Record that a rule ran, what it looked at, and what it concluded."""
        self.trace.append(TraceStep(rule, fired, inputs, outcome))

    def has(self, *codes: str) -> bool:
        return any(r.code in codes for r in self.reasons)

    def has_severity(self, severity: str) -> bool:
        return any(r.severity == severity for r in self.reasons)

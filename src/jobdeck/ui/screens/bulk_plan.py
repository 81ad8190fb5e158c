"""What a bulk action will do: which marked jobs it acts on, which it cannot and why.

No Textual here: the plan is made from the monitor's gate (``why_not``, the
same answer a single action gets: read-only, the backend's declared actions,
the job's state), and says itself in the one confirmation the deck asks.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from jobdeck.adapters.actions import ActionSpec, confirm_title
from jobdeck.model import Job, JobRef
from jobdeck.safe_text import safe_line

#: Reasons listed in the confirmation at most (then how many more).
REASONS_SHOWN = 6
#: Job names quoted per reason at most.
NAMES_SHOWN = 3


class Gate(Protocol):
    """What the plan asks of the monitor."""

    def job(self, ref: JobRef) -> Job | None: ...

    def why_not(self, ref: JobRef, action: str) -> str | None: ...


@dataclass
class BulkPlan:
    """``action`` on the marked jobs: those it can act on, and those it cannot with why."""

    action: str
    verb: str
    able: list[Job] = field(default_factory=list)
    #: (the job, or its reference when the deck no longer knows it; why not)
    unable: list[tuple[Job | JobRef, str]] = field(default_factory=list)
    #: The action as declared (its own title, where "Verb N marked jobs?" reads wrongly).
    spec: ActionSpec | None = None

    @property
    def title(self) -> str:
        count = len(self.able)
        return confirm_title(self.spec, self.verb, f"{count} marked job{'s' if count != 1 else ''}")

    def message(self) -> str:
        """How many on which backends, then which cannot be acted on and why."""
        lines = [f"{self.verb}: {_by_backend(job.ref.backend for job in self.able)}."]
        if self.unable:
            count = len(self.unable)
            lines.append(f"{count} other marked job{'s' if count != 1 else ''} cannot be acted on:")
            groups: dict[tuple[str, str], list[str]] = {}
            for item, reason in self.unable:
                ref = item.ref if isinstance(item, Job) else item
                name = item.name if isinstance(item, Job) else item.id
                groups.setdefault((ref.backend, reason), []).append(name)
            for (backend, reason), names in list(groups.items())[:REASONS_SHOWN]:
                quoted = ", ".join(safe_line(name) for name in names[:NAMES_SHOWN])
                more = f" and {len(names) - NAMES_SHOWN} more" if len(names) > NAMES_SHOWN else ""
                lines.append(f"• {len(names)} on {safe_line(backend)}: {safe_line(reason)} ({quoted}{more})")
            if len(groups) > REASONS_SHOWN:
                lines.append(f"• and {len(groups) - REASONS_SHOWN} more reasons")
        return "\n".join(lines)

    def refusal(self) -> str:
        """Why nothing can be done (``able`` is empty)."""
        reasons = Counter(reason for _, reason in self.unable)
        said = "; ".join(f"{safe_line(reason)} ({count})" for reason, count in reasons.most_common(REASONS_SHOWN))
        return f"{self.verb}: none of the {len(self.unable)} marked jobs can be acted on: {said}"


def plan_bulk(refs: Iterable[JobRef], action: str, verb: str, gate: Gate, spec: ActionSpec | None = None) -> BulkPlan:
    """Ask the gate about each marked job."""
    plan = BulkPlan(action=action, verb=verb, spec=spec)
    for ref in refs:
        job = gate.job(ref)
        reason = gate.why_not(ref, action)
        if job is None:
            plan.unable.append((ref, reason or "the deck no longer knows this job"))
        elif reason is not None:
            plan.unable.append((job, reason))
        else:
            plan.able.append(job)
    return plan


def _by_backend(backends: Iterable[str]) -> str:
    counts = Counter(backends)
    return ", ".join(f"{count} on {safe_line(backend)}" for backend, count in counts.items())

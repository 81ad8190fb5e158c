"""Actions an adapter declares: what a user may ask a backend to do to a job.

Each action is an ``ActionSpec``: its name (the adapter's method that does it),
its key in the deck, its verb, the words of its confirmation, when it is
available (a capability, or a rule of its own) and whether it changes the
backend. ``Adapter.actions()`` returns them; the monitor's gate and the deck's
keys, footer and help all come from these specs, and nowhere else.

The standard six (archive, restore, retry, cancel, pause, resume) are declared
here once; every adapter has them (an unsupported one shows as unavailable,
with its reason). An engine adds its own beside them, for example::

    HOLD = ActionSpec("hold", key="z", verb="Hold",
                      confirm="The scheduler will not start it until it is released.",
                      available=lambda job: None if job.state is JobState.PENDING else "only a pending job can be held")

The confirmation asks "Hold nightly?" and "Hold job “nightly” (id 7) on backend slurm?";
a verb that reads wrongly there (one with an object of its own, "Clear every task")
gives its own ``title`` and ``question``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from jobdeck.model import Action, Capability, Job

#: An action's name is the adapter's method that does it: a plain lower-case identifier.
ACTION_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")

#: What a job must be for an action to be available: None, or why not (in words for the user).
Availability = Callable[[Job], "str | None"]


@dataclass(frozen=True)
class ActionSpec:
    """One action an adapter declares."""

    #: The adapter's method that does it (``async def hold(self, job_id, reason=None)``),
    #: the word in the action log, and the action's name for the gate.
    name: str
    #: The deck's key (a Textual key name: ``h``, ``H``, ``ctrl+h``).
    key: str
    #: The word on the key, in the footer and help, and on the confirm button.
    verb: str
    #: Where the backend's support is a capability: the gate asks ``Adapter.why_not`` for it.
    capability: Capability | None = None
    #: Otherwise (or as well), the action's own rule: None when ``job`` may have it done.
    available: Availability | None = None
    #: Words added to the confirmation (after its question, ``question``);
    #: ``{name}``, ``{id}`` and ``{backend}`` are the job's.
    confirm: str | None = None
    #: The confirmation's title where ``TITLE`` ("Verb name?") reads wrongly (a verb with an
    #: object of its own: "Clear every task of {name}?"); ``{verb}`` and ``{name}`` are filled.
    title: str | None = None
    #: The confirmation's question where ``QUESTION`` ("Verb job “name” (id …) on backend …?")
    #: reads wrongly; ``{verb}``, ``{name}``, ``{id}`` and ``{backend}`` are filled.
    question: str | None = None
    #: Whether it changes the backend: read-only mode and the kiosk refuse every mutating action.
    mutating: bool = True
    #: Whether the backend records an optional reason the user may give.
    takes_reason: bool = False
    #: Whether the footer shows the key (``?`` always lists it).
    in_footer: bool = False

    def __post_init__(self) -> None:
        if not ACTION_NAME.match(self.name):
            raise ValueError(f"an action's name is a lower-case identifier, not {self.name!r}")
        if not self.key or not self.verb:
            raise ValueError(f"action {self.name!r} needs a key and a verb")

    @property
    def tooltip(self) -> str:
        return f"{self.verb} the selected job (asks first)"


def _standard(action: Action, key: str, verb: str, *, in_footer: bool) -> ActionSpec:
    return ActionSpec(action.value, key=key, verb=verb, capability=action.capability, in_footer=in_footer)


#: The actions every adapter has, in the deck's order. Pause and resume exist on few
#: backends: ``?`` lists them, the footer does not.
STANDARD_ACTIONS: tuple[ActionSpec, ...] = (
    _standard(Action.ARCHIVE, "a", "Archive", in_footer=True),
    _standard(Action.RESTORE, "u", "Restore", in_footer=True),
    _standard(Action.RETRY, "r", "Retry", in_footer=True),
    _standard(Action.CANCEL, "x", "Cancel", in_footer=True),
    _standard(Action.PAUSE, "p", "Pause", in_footer=False),
    _standard(Action.RESUME, "P", "Resume", in_footer=False),
)

STANDARD_NAMES = frozenset(spec.name for spec in STANDARD_ACTIONS)


#: The confirmation's title and question, unless the action gives its own.
TITLE = "{verb} {name}?"
QUESTION = "{verb} job “{name}” (id {id}) on backend {backend}?"


def _filled(template: str | None, values: dict[str, str]) -> str | None:
    if not template:
        return None
    try:
        # Values are never parsed again, so braces in a job's name are only text.
        return template.format_map(values)
    except (KeyError, IndexError, ValueError, AttributeError):
        return None


def confirm_title(spec: ActionSpec | None, verb: str, name: str) -> str:
    """The confirmation's title: the spec's own, else "Verb name?"."""
    values = {"verb": verb, "name": name}
    return _filled(spec.title if spec else None, values) or TITLE.format_map(values)


def confirm_question(spec: ActionSpec | None, verb: str, job: Job, backend: str) -> str:
    """The confirmation's question, naming the job, its id and its backend: the spec's own,
    else "Verb job “name” (id …) on backend …?"."""
    values = {"verb": verb, "name": job.name, "id": job.id, "backend": backend}
    return _filled(spec.question if spec else None, values) or QUESTION.format_map(values)


def confirm_words(spec: ActionSpec, job: Job, backend: str) -> str | None:
    """The spec's confirmation words for ``job``; None when it has none or they cannot be filled."""
    return _filled(spec.confirm, {"name": job.name, "id": job.id, "backend": backend})

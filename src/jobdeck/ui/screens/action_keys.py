"""The deck's action keys, made from the actions the adapters declare.

The standard six (``STANDARD_ACTIONS``) are the deck's class bindings, so the
footer and help are the same for every deck. The actions an engine adds (hold,
release …) get their keys when the deck mounts, from ``Monitor.actions()``.
One key does one thing: an action claiming a key the deck already uses, or
that another action claimed first, gets no key, and the deck says so.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from textual.binding import Binding

from jobdeck.adapters.actions import STANDARD_ACTIONS, ActionSpec
from jobdeck.safe_text import safe_line


def action_bindings(specs: Iterable[ActionSpec] = STANDARD_ACTIONS) -> list[Binding]:
    """Each action's key twice: the first runs it when allowed (greyed out in the
    footer when not); the hidden second answers the same key with the reason."""
    bindings: list[Binding] = []
    for spec in specs:
        bindings.append(
            Binding(
                spec.key,
                f"act('{spec.name}')",
                spec.verb,
                show=spec.in_footer,
                id=f"deck.{spec.name}",
                tooltip=spec.tooltip,
            )
        )
        bindings.append(Binding(spec.key, f"explain('{spec.name}')", show=False))
    return bindings


@dataclass
class ActionKeys:
    """The declared actions that got a key beyond the standard six, and those refused one."""

    #: Each added action once, by name (the first backend's spec of that name).
    added: dict[str, ActionSpec] = field(default_factory=dict)
    #: One sentence per action left without a key.
    problems: list[str] = field(default_factory=list)


def plan_action_keys(declared: Iterable[tuple[str, ActionSpec]], taken: Mapping[str, str]) -> ActionKeys:
    """Which declared actions get a key. ``declared``: ``(backend, spec)`` in the backends'
    order; ``taken``: the keys already in use (the standard actions' included), each with
    what it does."""
    plan = ActionKeys()
    owner_of_key = dict(taken)
    # The standard actions' keys are jobdeck's: a backend naming one of them adds nothing.
    key_of_name = {spec.name: (spec.key, "jobdeck") for spec in STANDARD_ACTIONS}
    for backend, spec in declared:
        # Names and keys come from an adapter (a plugin): shown as text, never as markup.
        name, key, where = safe_line(spec.name), safe_line(spec.key), safe_line(backend)
        if spec.name in key_of_name:
            first_key, first_backend = key_of_name[spec.name]
            if spec.key != first_key:
                plan.problems.append(
                    f"Backend {where} gives the action {name} the key {key}, but it is "
                    f"{safe_line(first_key)} (as {safe_line(first_backend)} says): {key} does nothing"
                )
            continue
        if spec.key in owner_of_key:
            plan.problems.append(
                f"Backend {where} gives the action {name} the key {key}, which is already "
                f"{safe_line(owner_of_key[spec.key])}: {name} has no key"
            )
            continue
        owner_of_key[spec.key] = f"{spec.verb} ({backend})"
        key_of_name[spec.name] = (spec.key, backend)
        plan.added[spec.name] = spec
    return plan

"""A text box whose editing keys keep their place among the characters typed.

Textual's ``Input`` inserts a character as its key arrives, but runs an editing key
(backspace, ctrl+w, ctrl+u, the arrows …) as a binding, once the key has bubbled up to
the App through every container's queue. Keys read in one burst (a fast typist, a slow
link, a loaded machine) then apply out of order: ``abcdef``, three backspaces and
``xyz`` read as one chunk gave ``abcdef`` (the backspaces took ``xyz``), not ``abcxyz``.
Upstream: Textualize/textual#6605 (fix proposed in #6631).

``TypedInput`` runs its own (non-priority) bindings as the key reaches it, as the App
would a moment later; keys it does not bind bubble as before. Priority bindings (the
App's quit) have already run before a key reaches the box.
"""

from __future__ import annotations

from textual import events
from textual.widgets import Input


class TypedInput(Input):
    """An ``Input`` whose own key bindings run in order with the characters typed."""

    async def _on_key(self, event: events.Key) -> None:
        if not event.is_printable:
            for binding in self._bindings.key_to_bindings.get(event.key, ()):
                if not binding.priority and await self.app.run_action(binding.action, self):
                    event.stop()
                    event.prevent_default()
                    return
        await super()._on_key(event)

"""Parsed CSS kept from one start of the deck to the next.

Textual parses the CSS of every widget class at each start: about 20 ms on a
2-core server, a sixth of the time from ``App.run`` to the first frame. What a
parse gives depends only on the CSS text, where it came from, the theme's
variables and the code of Textual (and Rich) that parses it. So the deck keeps
the parsed rules in the cache folder, one file per theme, and the next start
reads them back in about 4 ms.

The files are pickles, so one is read only when the user owns it and nobody
else may write it. A file that is missing, unreadable, corrupt or made by
another Textual means parsing as Textual would: never an error on screen.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import sys
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import rich
import textual
from textual.css.model import RuleSet
from textual.css.stylesheet import CSSLocation, Stylesheet

from jobdeck.files import write_atomic

log = logging.getLogger(__name__)

#: Theme files kept at most; the least recently written are removed first.
MAX_FILES = 8
SUFFIX = ".css.pickle"

ParseKey = tuple[str, CSSLocation, bool, int, str]


def _code_fingerprint() -> str:
    """Which Textual and Rich parse the CSS: their files' sizes and times, and Python's version."""
    textual_dir = Path(textual.__file__).parent
    files = sorted((textual_dir / "css").glob("*.py"))
    files += [textual_dir / name for name in ("__init__.py", "color.py", "geometry.py", "style.py")]
    files += [Path(rich.__file__).parent / name for name in ("__init__.py", "style.py", "color.py")]
    parts = [sys.version]
    for file in files:
        try:
            stat = file.stat()
        except OSError:
            continue
        parts.append(f"{file}:{stat.st_size}:{stat.st_mtime_ns}")
    return "\n".join(parts)


class ParsedCssCache:
    """A folder of parsed rules, one file per set of CSS variables (that is, per theme)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._fingerprint: str | None = None
        self._files: dict[str, dict[str, list[RuleSet]]] = {}
        #: Per file, the entries this start read or parsed: a save writes those alone, so
        #: rules of CSS that has changed since (an upgrade) do not pile up in the file.
        self._used: dict[str, set[str]] = {}
        self._unsaved: set[str] = set()
        self._saved = False
        self._lock = threading.Lock()

    def file_name(self, variables: Mapping[str, str]) -> str:
        """The file of the rules parsed under ``variables`` (a theme's)."""
        if self._fingerprint is None:
            self._fingerprint = _code_fingerprint()
        return _digest(repr((self._fingerprint, sorted(variables.items())))) + SUFFIX

    def rules(self, file_name: str, key: ParseKey) -> list[RuleSet] | None:
        """The rules kept in ``file_name`` for this CSS, or None."""
        digest = _digest(repr(key))
        with self._lock:
            rules = self._entries(file_name).get(digest)
            if rules is not None:
                self._used.setdefault(file_name, set()).add(digest)
            return rules

    def keep(self, file_name: str, key: ParseKey, rules: list[RuleSet]) -> None:
        """Remember what a parse gave, to be written by ``save`` (ignored after it)."""
        with self._lock:
            if self._saved:
                return
            digest = _digest(repr(key))
            self._entries(file_name)[digest] = rules
            self._used.setdefault(file_name, set()).add(digest)
            self._unsaved.add(file_name)

    def save(self) -> None:
        """Write the files that have new rules (blocking: call it from a thread).

        The first call ends the keeping: the files hold what a start parses, not the
        CSS of every dialog opened later, which every start would then read for nothing.
        """
        with self._lock:
            self._saved = True
            pending = {
                name: pickle.dumps(
                    {digest: self._files[name][digest] for digest in self._used[name]}, pickle.HIGHEST_PROTOCOL
                )
                for name in self._unsaved
            }
            self._unsaved.clear()
        if not pending:
            return
        try:
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            for name, data in pending.items():
                write_atomic(self.folder / name, data, mode=0o600)
            self._prune()
        except OSError as exc:
            # Only start-up time is lost: the next start parses again.
            log.warning("cannot keep the parsed CSS in %s: %s", self.folder, exc)

    def _entries(self, file_name: str) -> dict[str, list[RuleSet]]:
        entries = self._files.get(file_name)
        if entries is None:
            entries = self._files[file_name] = self._read(self.folder / file_name)
        return entries

    @staticmethod
    def _read(file: Path) -> dict[str, list[RuleSet]]:
        try:
            with open(file, "rb") as handle:
                stat = os.fstat(handle.fileno())
                if stat.st_uid != os.getuid() or stat.st_mode & 0o022:
                    log.warning("ignoring %s: it is not the user's own file", file)
                    return {}
                entries: Any = pickle.load(handle)
        except FileNotFoundError:
            return {}
        except Exception as exc:  # a corrupt or foreign file is only a cache miss
            log.info("ignoring the parsed CSS in %s: %s", file, exc)
            return {}
        return entries if isinstance(entries, dict) else {}

    def _prune(self) -> None:
        files = sorted(self.folder.glob(f"*{SUFFIX}"), key=lambda file: file.stat().st_mtime, reverse=True)
        for file in files[MAX_FILES:]:
            file.unlink(missing_ok=True)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


class CachedStylesheet(Stylesheet):
    """Textual's Stylesheet, reading parsed rules from a ParsedCssCache before parsing."""

    def __init__(self, *, variables: dict[str, str] | None = None, cache: ParsedCssCache) -> None:
        super().__init__(variables=variables)
        self.css_cache = cache
        self._file_name: str | None = None  # of the variables in use, worked out when needed

    def set_variables(self, variables: dict[str, str]) -> None:
        super().set_variables(variables)
        self._file_name = None

    def _parse_rules(
        self,
        css: str,
        read_from: CSSLocation,
        is_default_rules: bool = False,
        tie_breaker: int = 0,
        scope: str = "",
    ) -> list[RuleSet]:
        key: ParseKey = (css, read_from, is_default_rules, tie_breaker, scope)
        if key in self._parse_cache:
            return self._parse_cache[key]
        # Textual substitutes the theme's variables as it parses: each theme has its file.
        if self._file_name is None:
            self._file_name = self.css_cache.file_name(self._variables)
        rules = self.css_cache.rules(self._file_name, key)
        if rules is None:
            rules = super()._parse_rules(css, read_from, is_default_rules, tie_breaker, scope)
            self.css_cache.keep(self._file_name, key, rules)
        else:
            self._parse_cache[key] = rules
        return rules

    def copy(self) -> Stylesheet:
        stylesheet = CachedStylesheet(variables=self._variables.copy(), cache=self.css_cache)
        stylesheet.source = self.source.copy()
        return stylesheet

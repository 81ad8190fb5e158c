"""DRP list queries: index filters, ``sort``/``reverse``, ``offset``/``limit``.

Follows the contract's "List filters and pagination": any index is a
CapitalCase query key; a bare value is ``Eq``; value functions ``Eq Ne Lt Lte
Gt Gte Between Except Re In Nin``; repeating a key ORs its values, different
keys AND; an unknown key is 406 ``Filter not found: <key>``; ``offset`` skips
items and ``limit`` caps them, both applied last; a negative one is 406
``Offset|Limit cannot be negative`` (the server's own words).

Two choices where the sources disagree:

- ``reverse`` flips the order when it is present, whatever its value: the
  server only asks ``if _, ok := params["reverse"]`` (v3 ``frontend.go``), so
  the client's ``list_jobs(reverse=False)``, which sends ``reverse=False``,
  comes back reversed from a real server too (the contract: "presence is
  enough").
- ``limit=0`` means no limit. The v3 server's ``index.Limit(0)`` gave an empty
  page, and the v4.8 API test still expects ``[]``; but drppy-client 4.17,
  hand-written by RackN against the v4.1x server, relies on 0 meaning
  "unlimited" twice (``custom_overrides.DEFAULT_LIST_LIMIT = 0`` is sent as
  ``limit=0`` "to disable the limit", and ``RawModelApi.list`` says 'pass
  "limit", "0" to opt out'). The emulator plays the v4.17 server the contract
  describes, so it follows the newer source.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from jobdeck.emulators.drp.models import parse_go_time

#: Query parameters that are not filters (the swagger's list options, plus the auth fallback).
OPTIONS = frozenset({
    "offset", "limit", "sort", "reverse", "slim", "params", "filter", "raw", "group-by",
    "range-only", "aggregate", "expand", "decode", "reduced", "commented", "token",
})

#: The indexes of jobs (``GET /api/v3/indexes/jobs``) and how their values compare.
JOB_INDEXES: dict[str, str] = {
    "Uuid": "str", "Previous": "str", "Machine": "str", "Task": "str", "Stage": "str",
    "Context": "str", "State": "str", "ExitState": "str", "StartTime": "time", "EndTime": "time",
    "Archived": "bool", "Current": "bool", "CurrentIndex": "int", "NextIndex": "int",
    "Workflow": "str", "BootEnv": "str", "WorkOrder": "str", "Independent": "bool",
    "TargetPrefix": "str", "TargetKey": "str", "Available": "bool", "Validated": "bool",
    "ReadOnly": "bool", "Bundle": "str", "Endpoint": "str", "CreatedAt": "time",
    "CreatedBy": "str", "LastModifiedAt": "time", "LastModifiedBy": "str",
}

_CALL = re.compile(r"^(Eq|Ne|Lt|Lte|Gt|Gte|Between|Except|Re|In|Nin)\((.*)\)$", re.DOTALL)


class QueryError(Exception):
    """A bad list query: 406 with the message DRP gives."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class ListQuery:
    predicates: tuple[Callable[[dict[str, Any]], bool], ...]
    sort: tuple[str, ...]
    reverse: bool
    offset: int
    limit: int | None
    slim: frozenset[str]


def parse_query(items: Sequence[tuple[str, str]], indexes: dict[str, str] = JOB_INDEXES) -> ListQuery:
    by_key: dict[str, list[str]] = {}
    sort: list[str] = []
    reverse = False
    offset, limit = 0, None
    slim: set[str] = set()
    for key, value in items:
        if key == "sort":
            if value not in indexes:
                raise QueryError(f"Not sortable: {value}")
            sort.append(value)
        elif key == "reverse":
            reverse = True  # presence is enough, whatever the value (`reverse=false` reverses too)
        elif key == "offset":
            offset = _non_negative("Offset", value)
        elif key == "limit":
            # 0 is no limit (v4.17; see the module docstring), not an empty page.
            limit = _non_negative("Limit", value) or None
        elif key == "slim":
            slim.update(part.strip() for part in value.split(",") if part.strip())
        elif key in OPTIONS:
            continue
        elif key not in indexes:
            raise QueryError(f"Filter not found: {key}")
        else:
            by_key.setdefault(key, []).append(value)
    predicates = tuple(_key_predicate(key, values, indexes[key]) for key, values in by_key.items())
    return ListQuery(predicates, tuple(sort), reverse, offset, limit, frozenset(slim))


def run_query(query: ListQuery, objects: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Objects after filters, sort and paging (sorted by Uuid unless the query sorts)."""
    matched = [obj for obj in objects if all(predicate(obj) for predicate in query.predicates)]
    order = query.sort or ("Uuid",)
    matched.sort(
        key=lambda obj: tuple(_sort_value(_coerce(name, obj.get(name), JOB_INDEXES.get(name, "str"))) for name in order),
        reverse=query.reverse,
    )
    paged = matched[query.offset :]
    if query.limit is not None:
        paged = paged[: query.limit]
    if query.slim:
        paged = [{k: v for k, v in obj.items() if k not in query.slim} for obj in paged]
    return paged


def _non_negative(key: str, value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise QueryError(f"{key} not valid: {value!r} is not an integer") from None
    if number < 0:
        raise QueryError(f"{key} cannot be negative")
    return number


def _sort_value(value: Any) -> tuple[int, Any]:
    if isinstance(value, datetime):
        return (0, value.timestamp())
    if isinstance(value, bool):
        return (0, int(value))
    if isinstance(value, int | float):
        return (0, value)
    return (1, str(value) if value is not None else "")


def _key_predicate(key: str, values: list[str], kind: str) -> Callable[[dict[str, Any]], bool]:
    tests = [_value_test(key, value, kind) for value in values]
    return lambda obj: any(test(_coerce(key, obj.get(key), kind)) for test in tests)


def _coerce(key: str, raw: Any, kind: str) -> Any:
    if kind == "time":
        return parse_go_time(raw) if isinstance(raw, str) else raw
    if kind == "bool":
        return bool(raw)
    if kind == "int":
        return int(raw or 0)
    return "" if raw is None else str(raw)


def _parse_value(key: str, text: str, kind: str) -> Any:
    try:
        if kind == "time":
            return parse_go_time(text)
        if kind == "bool":
            if text.lower() not in ("true", "false"):
                raise ValueError
            return text.lower() == "true"
        if kind == "int":
            return int(text)
    except ValueError:
        raise QueryError(f"Invalid value for {key}: {text!r}") from None
    return text


def _value_test(key: str, text: str, kind: str) -> Callable[[Any], bool]:
    match = _CALL.match(text)
    op, arg = (match.group(1), match.group(2)) if match else ("Eq", text)
    if op == "Re":
        try:
            pattern = re.compile(arg)
        except re.error as exc:
            raise QueryError(f"Invalid regex for {key}: {exc}") from None
        return lambda value: pattern.search(str(value)) is not None
    if op in ("Between", "Except", "In", "Nin"):
        args = [_parse_value(key, part, kind) for part in arg.split(",")]
        if op in ("Between", "Except"):
            if len(args) != 2:
                raise QueryError(f"{op} needs two values for {key}")
            low, high = args
            if op == "Between":
                return lambda value: low <= value <= high
            return lambda value: not (low <= value <= high)
        if op == "In":
            return lambda value: value in args
        return lambda value: value not in args
    wanted = _parse_value(key, arg, kind)
    compare: dict[str, Callable[[Any], bool]] = {
        "Eq": lambda value: value == wanted,
        "Ne": lambda value: value != wanted,
        "Lt": lambda value: value < wanted,
        "Lte": lambda value: value <= wanted,
        "Gt": lambda value: value > wanted,
        "Gte": lambda value: value >= wanted,
    }
    return compare[op]


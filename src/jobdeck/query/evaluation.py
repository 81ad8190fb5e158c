"""A parsed query compiled once into one list comprehension (``Query``), and
``parse_query`` which makes one."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, tzinfo

from jobdeck.model import Job, JobState
from jobdeck.query.errors import QueryError
from jobdeck.query.index import job_texts
from jobdeck.query.masks import FLIP, TextMasks, both
from jobdeck.query.parser import All, Either, Node, Not, parse
from jobdeck.query.sort import parse_sort
from jobdeck.query.terms import (
    NO_LABEL,
    Leaf,
    Term,
    any_field,
    detail_text,
    expression,
    group_text,
    label_any_case,
    parse_states,
    resolve,
    search,
)

_HELPERS: dict[str, object] = {
    "NO_LABEL": NO_LABEL, "LABEL": label_any_case, "GROUP": group_text, "DETAIL": detail_text,
    "SEARCH": search, "ANY_FIELD": any_field,
}


class Query:
    """A compiled query. The empty query matches every job.

    Each term becomes a Python expression over ``h``, the job's indexed text
    (``index.job_text``), or, for most keyed terms, over the job ``J[i]`` itself;
    the tree's AND, OR and NOT join them, compiled once into a list
    comprehension over the texts. Most terms never touch a job object, which
    matters: 100,000 pydantic objects scattered in memory cost more to visit
    than their texts packed in one list. The user's text never enters the
    source: every value is passed in as a named constant.
    """

    def __init__(self, text: str, tree: Node | None = None, sort: str | None = None) -> None:
        self.text = text
        #: The parsed query (None: no term), of ``terms.Leaf`` and the parser's All, Either, Not.
        self.tree = tree
        #: The sort a ``sort:`` term asks for (a ``sort.SORT_KEYS`` key, "-" first when reversed).
        self.sort = sort
        self.leaves: tuple[Leaf, ...] = tuple(_leaves(tree))
        self.terms: tuple[Term, ...] = tuple(leaf.term for leaf in self.leaves)
        self._select: Callable[[Sequence[Job], Sequence[str]], list[int]] | None = None
        constants: dict[str, object] = {}

        def constant(value: object) -> str:
            name = f"C{len(constants)}"
            constants[name] = value
            return name

        condition = _source(tree, constant, top=True) if tree is not None else ""
        #: Equal for queries that match the same jobs as written differently
        #: ("state:s" and "state:succeeded"; extra spaces): one cached result serves both.
        self.key: tuple[object, ...] = (condition, *constants.values())
        if tree is not None:
            source = f"lambda J, T: [i for i, h in enumerate(T) if {condition}]"
            namespace = {**_HELPERS, **constants}
            self._select = eval(compile(source, "<jobdeck query>", "eval"), namespace)  # noqa: S307
        #: Its terms as (test, needle, negated) when it is free words and state terms side by
        #: side, each maybe negated: ``mask`` then reads the texts at C speed. (After the
        #: source: a bad term was refused there, saying where.)
        self._mask_terms = _mask_terms(tree) if tree is not None and self.is_conjunction else None

    def __repr__(self) -> str:
        return f"Query({self.text!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Query) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)

    @property
    def is_empty(self) -> bool:
        """Whether it lets every job through (it may still ask for a sort)."""
        return self._select is None

    @property
    def is_conjunction(self) -> bool:
        """Whether it is terms side by side only (each may be negated): no OR, no group."""
        tree = self.tree
        return tree is None or isinstance(tree, Leaf) or (
            isinstance(tree, All) and all(isinstance(child, Leaf) for child in tree.children)
        )

    def matches(self, job: Job) -> bool:
        return bool(self.filter((job,)))

    def filter(self, jobs: Iterable[Job]) -> list[Job]:
        """The jobs that match, in their given order."""
        items = jobs if isinstance(jobs, (list, tuple)) else list(jobs)
        if self._select is None:
            return list(items)
        return [items[i] for i in self._select(items, job_texts(items))]

    @property
    def text_only(self) -> bool:
        """Whether it reads only the jobs' indexed texts (free words, states): ``mask`` is
        quick then. The empty query too."""
        return self._select is None or self._mask_terms is not None

    @property
    def has_pattern(self) -> bool:
        """Whether a term is a /pattern/ (the costliest kind: a search per field per job)."""
        return any(leaf.regex is not None for leaf in self.leaves)

    def mask(self, texts: Sequence[str], masks: TextMasks | None = None) -> bytes | None:
        """One byte per text of ``texts`` (``index.job_texts``): 1 where its job matches, else 0;
        None when the query needs more than the texts (then ``select``). ``masks``: those
        kept for ``texts`` (a word or the states asked for again cost nothing).

        No Python-level step runs per job (``jobdeck.query.masks``), so a million texts
        cost a pass of C, not a comprehension, and nothing is built per match
        (``itertools.compress`` takes the mask)."""
        terms = self._mask_terms
        if terms is None:
            return None
        if masks is None or masks.texts is not texts:
            masks = TextMasks(texts)  # kept by nobody: made for this query only
        found: bytes | None = None
        for word, states, negated in terms:
            mask = masks.word(word) if states is None else masks.states(states)
            if negated:
                mask = mask.translate(FLIP)
            found = mask if found is None else both(found, mask)
        return found

    def select(self, jobs: Sequence[Job], texts: Sequence[str]) -> list[int]:
        """The positions of the jobs that match; ``texts[i]`` is the indexed text of
        ``jobs[i]`` (``index.job_texts``). Every position for the empty query."""
        if self._select is None:
            return list(range(len(jobs)))
        return self._select(jobs, texts)


def parse_query(text: str, *, now: datetime | None = None, zone: tzinfo | None = None) -> Query:
    """Compile ``text``; raises QueryError with a message for the user on a bad term, and
    where it is. Time terms are read at ``now`` (the system's time when None), a date
    without a zone in ``zone`` (the machine's when None)."""
    moment = now or datetime.now(UTC)

    def make_leaf(term: Term, start: int, end: int, value_at: int) -> Leaf:
        return resolve(term, start, end, now=moment, zone=zone, value_at=value_at)

    tree = parse(text, make_leaf)
    tree, sort = _take_sort(tree)
    try:
        return Query(text, tree, sort)
    except (SyntaxError, RecursionError, MemoryError):  # (Python's own limits on one expression)
        raise QueryError("the filter is too long or too deeply nested", position=0, end=len(text)) from None


def _mask_terms(tree: Node) -> tuple[tuple[str, frozenset[JobState] | None, bool], ...] | None:
    """The terms of a conjunction as ``Query.mask`` reads them (a free word, or the states
    of a state term; negated), or None when one of them is neither (the same tests as
    ``terms.expression``)."""
    leaves = tree.children if isinstance(tree, All) else (tree,)
    found = []
    for leaf in leaves:
        if not isinstance(leaf, Leaf) or leaf.regex is not None or leaf.tests or leaf.duration is not None:
            return None
        term = leaf.term
        key = term.key.lower() if term.key else None
        if key is None:
            found.append((term.value.lower(), None, term.negated))
        elif key == "state":
            found.append(("", frozenset(parse_states(term.value.lower())), term.negated))
        else:
            return None
    return tuple(found)


def _take_sort(tree: Node | None) -> tuple[Node | None, str | None]:
    """The tree without its ``sort:`` terms, and the sort the last of them asks for. A sort
    term applies to the whole query: inside OR, NOT or a group it is an error."""
    top = list(tree.children) if isinstance(tree, All) else [tree] if tree is not None else []
    sort = None
    kept: list[Node] = []
    for node in top:
        if isinstance(node, Leaf) and _is_sort(node) and not node.term.negated:
            try:
                sort = parse_sort(node.term.value)
            except QueryError as problem:
                raise QueryError(str(problem), position=node.start, end=node.end) from None
        else:
            kept.append(node)
    for leaf in _leaves(All(tuple(kept))):
        if _is_sort(leaf):
            raise QueryError("sort: applies to the whole filter: not inside OR, NOT or ( )",
                             position=leaf.start, end=leaf.end)
    if not kept:
        return None, sort
    return (kept[0] if len(kept) == 1 else All(tuple(kept))), sort


def _is_sort(leaf: Leaf) -> bool:
    return leaf.term.key is not None and leaf.term.key.lower() == "sort"


def _leaves(node: Node | None) -> Iterable[Leaf]:
    if node is None:
        return
    if isinstance(node, Leaf):
        yield node
    elif isinstance(node, Not):
        yield from _leaves(node.child)
    else:
        for child in node.children:
            yield from _leaves(child)


def _source(node: Node, constant: Callable[[object], str], *, top: bool = False) -> str:
    if isinstance(node, Leaf):
        try:
            test = expression(node, constant)
        except QueryError as problem:
            raise QueryError(str(problem), position=node.start, end=node.end) from None
        return f"not ({test})" if node.term.negated else test
    if isinstance(node, Not):
        return f"not ({_source(node.child, constant)})"
    joiner = " and " if isinstance(node, All) else " or "
    joined = joiner.join(f"({_source(child, constant)})" for child in node.children)
    return joined if top else f"({joined})"


EMPTY_QUERY = Query("")

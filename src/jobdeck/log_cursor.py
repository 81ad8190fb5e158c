"""A log read by cursor (contract v2): where to read on from, and what a read returns.

The cursor is the adapter's: a byte offset (an int) for file-backed logs and
DRP, what has been received for a websocket tail, a backend's own token (a
str) for others. Everything above the adapters only hands back the cursor a
chunk came with; only byte offsets are ever counted with (the log pane opens a
long log at its tail and pages back by byte offset where the adapter says its
positions are bytes, ``Adapter.log_position``).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

#: The stream a log is when nothing else is said; file-backed logs have only this one.
STDOUT = "stdout"
STDERR = "stderr"
#: A token longer than this is not a cursor but a backend gone wrong.
MAX_TOKEN_CHARS = 4096


class LogCursor(BaseModel):
    """Where to read a log on from: a position in one stream of one run, as the adapter defines it.

    ``position`` 0 (the int) is the beginning of the log for every adapter.
    """

    model_config = ConfigDict(frozen=True, defer_build=True)

    #: A byte offset (int) or the adapter's own token (str); only the adapter reads it.
    position: int | str = 0
    #: The run (its id) whose log this is; None: the job's latest run.
    run: str | None = None
    stream: str = Field(default=STDOUT, min_length=1, max_length=64)

    @field_validator("position")
    @classmethod
    def _position_is_usable(cls, value: int | str) -> int | str:
        if isinstance(value, int) and value < 0:
            raise ValueError("a byte offset cannot be negative")
        if isinstance(value, str) and len(value) > MAX_TOKEN_CHARS:
            raise ValueError(f"a log cursor token is at most {MAX_TOKEN_CHARS} characters")
        return value

    @property
    def offset(self) -> int | None:
        """The byte offset, when the position is one."""
        return self.position if isinstance(self.position, int) else None


def as_log_cursor(cursor: LogCursor | int) -> LogCursor:
    """``cursor``, an int being a byte offset in the latest run's stdout (as before cursors)."""
    return cursor if isinstance(cursor, LogCursor) else LogCursor(position=max(0, cursor))


def resume_cursor(asked: LogCursor, chunk_cursor: LogCursor) -> LogCursor:
    """Where to read on after a chunk read from ``asked``: the chunk's cursor, keeping the
    run and stream asked for when the chunk names none (it gave only a byte offset)."""
    if chunk_cursor.run is None and asked.run is not None:
        return chunk_cursor.model_copy(update={"run": asked.run, "stream": asked.stream})
    return chunk_cursor


class LogChunk(BaseModel):
    """A piece of a log and the cursor just after it, so a stream resumes exactly.

    An adapter whose positions are byte offsets gives ``offset`` (the cursor is
    then that offset in the latest run's stdout) or a cursor with an int
    position (``offset`` is then that position); one with tokens gives the
    cursor, and ``offset`` stays None.
    """

    model_config = ConfigDict(frozen=True, defer_build=True)

    text: str
    #: The byte offset just after ``text``, where positions are byte offsets.
    offset: int | None = None
    #: Where to read on from; never None once made (filled from ``offset``).
    cursor: LogCursor = None  # type: ignore[assignment]
    # True when the backend says the log will not grow any more (job finished).
    complete: bool = False
    # A note the log pane shows instead of/with the text (e.g. "log archived").
    notice: str | None = None

    @model_validator(mode="after")
    def _cursor_and_offset_agree(self) -> LogChunk:
        # Perf: one check per chunk, and one LogCursor where an adapter gave only the offset.
        cursor, offset = self.cursor, self.offset
        if cursor is None:
            if offset is None:
                raise ValueError("a log chunk needs a cursor or a byte offset")
            object.__setattr__(self, "cursor", LogCursor(position=offset))
        elif offset is None and isinstance(cursor.position, int):
            object.__setattr__(self, "offset", cursor.position)
        return self

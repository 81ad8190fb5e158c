"""A TCP relay on a free loopback port, used by the engine tests to take an engine away
(connections refused) and bring it back, without stopping the engine itself."""

from __future__ import annotations

import asyncio
import contextlib


class Relay:
    """A TCP relay on a free loopback port to an engine's HTTP port: ``stop()`` takes the engine
    away for whoever talks to the relay (connections refused), ``start()`` brings it back.

    With ``record_upstream`` the relay keeps every byte its clients sent on to the engine in
    ``upstream`` (what jobdeck's requests carried). ``downstream`` counts the bytes the engine
    sent back (what reading cost)."""

    def __init__(self, target_port: int, *, record_upstream: bool = False) -> None:
        self.target_port = target_port
        self.port = 0
        self.upstream = bytearray()
        self.downstream = 0
        self._record_upstream = record_upstream
        self._server: asyncio.Server | None = None
        self._pipes: set[asyncio.Task[None]] = set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for pipe in list(self._pipes):
            pipe.cancel()
        for pipe in list(self._pipes):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await pipe

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.close()
            return
        seen = self.upstream if self._record_upstream else None
        for source, sink, into, counted in ((reader, up_writer, seen, None), (up_reader, writer, None, self)):
            task = asyncio.create_task(self._pipe(source, sink, into, counted))
            self._pipes.add(task)
            task.add_done_callback(self._pipes.discard)

    @staticmethod
    async def _pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter, seen: bytearray | None,
                    counted: Relay | None = None) -> None:
        try:
            while data := await source.read(65536):
                if seen is not None:
                    seen += data
                if counted is not None:
                    counted.downstream += len(data)
                sink.write(data)
                await sink.drain()
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            sink.close()

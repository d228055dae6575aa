"""Runs mongoeco's MongoDB wire-protocol server on loopback, for the MongoDB backend tests.

mongoeco is a Python reimplementation of MongoDB (in-memory engine) that speaks the wire protocol,
so libmongoc connects to it as to a real mongod. It is a test stand-in, not MongoDB.

Usage: .venv/bin/python scripts/mongoeco_server.py [PORT]
  PORT defaults to 0 (pick a free port). Once listening it prints one line, `port=<PORT>`, and
  flushes. It stops when its standard input reaches end-of-file (the parent exited or closed the
  pipe), on SIGTERM or on SIGINT.
"""

import asyncio
import os
import signal
import sys
import threading

from mongoeco.wire import AsyncMongoEcoProxyServer


def _watch_stdin(loop: asyncio.AbstractEventLoop, stop: asyncio.Event) -> None:
    """Sets `stop` once standard input reaches end-of-file (parent gone or pipe closed).

    Runs on a daemon thread so a blocked read never holds up the exit.
    """
    try:
        # os.read on the raw descriptor: a buffered reader's lock would abort interpreter shutdown.
        while os.read(0, 4096):
            pass
    except (OSError, ValueError):
        pass
    loop.call_soon_threadsafe(stop.set)


async def main(port: int) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)

    server = AsyncMongoEcoProxyServer(host="127.0.0.1", port=port)
    address = await server.start()
    print(f"port={address.port}", flush=True)

    threading.Thread(target=_watch_stdin, args=(loop, stop), daemon=True).start()
    try:
        await stop.wait()
    finally:
        await server.close()


if __name__ == "__main__":
    requested = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    try:
        asyncio.run(main(requested))
    except KeyboardInterrupt:
        pass

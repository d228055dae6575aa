"""Runs mongoeco's MongoDB wire-protocol server on loopback, for the MongoDB backend tests.

mongoeco is a Python reimplementation of MongoDB (in-memory engine) that speaks the wire protocol,
so libmongoc connects to it as to a real mongod. It is a test stand-in, not MongoDB.

Usage: .venv/bin/python scripts/mongoeco_server.py [PORT]
  PORT defaults to 0 (pick a free port). Once listening it prints one line, `port=<PORT>`, and
  flushes. It stops when its standard input reaches end-of-file (the parent exited or closed the
  pipe), on SIGTERM or on SIGINT. SIGUSR1 writes the stack of every pending asyncio task to standard
  error (what each request in flight waits for), for debugging a stalled test.
"""

import asyncio
import os
import signal
import sys
import threading

from mongoeco.core.identity import id_contains_numeric_value
from mongoeco.engines.memory import MemoryEngine
from mongoeco.wire import AsyncMongoEcoProxyServer


def _insert_one_without_a_collection_scan() -> None:
    """Makes a single-document insert (and an upsert) as cheap as a bulk one.

    mongoeco 4.11 checks a single document's `_id` for duplicates by comparing it with every document of the
    collection, which makes `insert_one` linear in the collection's size (4 ms on an empty collection, 37 ms at 3000
    documents). Under load that feeds on itself: a collection that grows (the cluster inbox while an instance is
    taken over) makes every insert slower, so it grows faster, until the server stalls for minutes. The scan is only
    needed for `_id`s holding numbers (1 and 1.0 are the same key); for any other `_id` the lookup by storage key,
    which mongoeco does as well, finds every duplicate. So the scan is kept for those alone.
    """
    original = MemoryEngine._ensure_unique_indexes

    def ensure_unique_indexes(self, db_name, coll_name, candidate, **options):
        if options.get("scan_payload_id") and not id_contains_numeric_value(candidate.get("_id")):
            options["scan_payload_id"] = False
        return original(self, db_name, coll_name, candidate, **options)

    MemoryEngine._ensure_unique_indexes = ensure_unique_indexes


_insert_one_without_a_collection_scan()


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


def _dump_tasks() -> None:
    """Writes every pending task's stack to standard error."""
    tasks = [task for task in asyncio.all_tasks() if not task.done()]
    print(f"--- {len(tasks)} pending tasks", file=sys.stderr)
    for task in tasks:
        task.print_stack(limit=30, file=sys.stderr)
    sys.stderr.flush()


async def main(port: int) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    loop.add_signal_handler(signal.SIGUSR1, _dump_tasks)

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

"""Server-sent events from blocking work, for the two things a client wants
to watch as they happen: an ingest's files (the page's progress bar) and
an answer's unverified draft (POST /ask/stream), before the result.

The work runs on a thread of its own and says what happened through `emit`;
its result is the last event, and a user's mistake or a store that cannot be
read is an `error` event in the API's one-line shape: once a stream has
begun, its status is 200 whatever follows.
"""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Callable, Iterator

from fastapi.responses import StreamingResponse

from ..errors import ConsistencyError
from .errors import one_line

INTERNAL_ERROR = "internal server error (the server's log has the details)"

Emit = Callable[[str, str], None]  # an event's name and its JSON data


def event_stream(work: Callable[[Emit], tuple[str, str]]) -> StreamingResponse:
    """The events `work` emits, then the (name, JSON) it returns, or `error`."""
    return StreamingResponse(
        _events(work),
        media_type="text/event-stream",
        # Proxies must pass each event on as it comes, not hold the stream.
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


def _events(work: Callable[[Emit], tuple[str, str]]) -> Iterator[str]:
    events: queue.Queue[str | None] = queue.Queue()

    def emit(name: str, data: str) -> None:
        events.put(f"event: {name}\ndata: {data}\n\n")

    def run() -> None:
        try:
            emit(*work(emit))
        except ConsistencyError as error:
            emit("error", json.dumps({"detail": one_line(str(error))}))
        except Exception:  # a bug: the client hears of it in the API's words, the log keeps the traceback
            emit("error", json.dumps({"detail": INTERNAL_ERROR}))
            raise
        finally:
            events.put(None)

    threading.Thread(target=run, name="server-events", daemon=True).start()
    while (event := events.get()) is not None:
        yield event

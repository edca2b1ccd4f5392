"""A Streamlit client without a browser: its own websocket messages, for capacity runs.

Twenty Chromium contexts on 2 cores leave the app little CPU, so the browser run measures the
browsers as much as the server. This client speaks what the browser speaks to the server: it opens
`/_stcore/stream`, sends a `BackMsg` asking to run a page with a query string (the page's filters),
and reads `ForwardMsg`s until the script finishes. An exception element or an error alert in the
deltas is an error, as it is in the browser run. Uses the `websockets` client, which Streamlit
itself depends on.
"""

from __future__ import annotations

import asyncio
import time
import urllib.parse
from dataclasses import dataclass, field

from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.asyncio.client import connect

FINISHED = {
    ForwardMsg.ScriptFinishedStatus.FINISHED_SUCCESSFULLY,
    ForwardMsg.ScriptFinishedStatus.FINISHED_WITH_COMPILE_ERROR,
}


@dataclass
class Result:
    seconds: float | None
    errors: list[str] = field(default_factory=list)
    messages: int = 0


def _errors(message: ForwardMsg) -> list[str]:
    if message.WhichOneof("type") != "delta" or message.delta.WhichOneof("type") != "new_element":
        return []
    element = message.delta.new_element
    kind = element.WhichOneof("type")
    if kind == "exception":
        return [f"exception: {element.exception.type}: {element.exception.message[:300]}"]
    if kind == "alert" and element.alert.format == Alert.ERROR:
        return [f"error box: {element.alert.body[:300]}"]
    return []


async def visit(url: str, timeout_s: float, cookie: str | None = None) -> Result:
    """Open a new session (as a browser opening the URL does), run the page, wait for its end.
    `cookie`: a Cookie header to send, as a browser sends a reverse proxy's sticky-session cookie."""
    parts = urllib.parse.urlparse(url)
    stream = f"ws://{parts.netloc}/_stcore/stream"
    request = BackMsg()
    request.rerun_script.query_string = parts.query
    request.rerun_script.page_name = parts.path.strip("/")
    started = time.perf_counter()
    deadline = started + timeout_s
    result = Result(None)
    try:
        headers = {"Cookie": cookie} if cookie else None
        opened = connect(
            stream, open_timeout=timeout_s, max_size=None, ping_interval=None, additional_headers=headers
        )
        async with opened as session:
            await session.send(request.SerializeToString())
            while True:
                left = deadline - time.perf_counter()
                if left <= 0:
                    result.errors.append(f"did not finish within {timeout_s:.0f} s")
                    return result
                try:
                    raw = await asyncio.wait_for(session.recv(), left)
                except TimeoutError:
                    continue
                message = ForwardMsg()
                message.ParseFromString(raw if isinstance(raw, bytes) else raw.encode())
                result.messages += 1
                result.errors += _errors(message)
                if message.WhichOneof("type") == "script_finished" and message.script_finished in FINISHED:
                    result.seconds = time.perf_counter() - started
                    return result
    except Exception as exc:  # refused, closed or broken: the visit failed
        result.errors.append(f"session failed: {type(exc).__name__}: {exc}")
        return result

"""A fake OpenAI-compatible chat server on loopback, scripted per test, for the real openai client.

Usage::

    with FakeUpstream() as fake:                      # or the `fake_upstream` fixture
        fake.script([Status(429, retry_after=1), Reply("好的。")])
        client = ChatClient(base_url=fake.base_url, api_key="k", model="m")
        ...
        assert fake.requests[-1].max_tokens == 200

Each request takes the next scripted behaviour; when the script is empty the
`responder` (request JSON -> text, or -> a behaviour) answers. The server speaks
plain HTTP/1.1 (keep-alive, chunked SSE for streams), so dropped connections and
stalls look to the client exactly as they do from a real endpoint.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import re
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# BPE vocabularies merge runs of ASCII punctuation ('", "', '"},{"'), so JSON costs what it
# does from a real endpoint rather than a token per quote mark.
_TOKEN = re.compile(r"[A-Za-z0-9]+|[!-/:-@\[-`{-~]+|\s+|.", re.S)


def split_tokens(text: str) -> list[str]:
    """The fake's tokeniser: a token per CJK character or mark, per ASCII word or mark run."""
    return _TOKEN.findall(text)


@dataclass(frozen=True)
class Pacing:
    """How fast the fake 'generates': a delay before the first token, then a steady rate."""

    first_token_s: float = 0.0
    tokens_per_s: float | None = None  # None: all tokens at once

    def gap_s(self) -> float:
        return 1.0 / self.tokens_per_s if self.tokens_per_s else 0.0


@dataclass(frozen=True)
class Reply:
    """A normal answer; text None means 'ask the responder'."""

    text: str | None = None
    finish_reason: str = "stop"
    usage: bool = True  # False: a server that never reports usage
    pacing: Pacing | None = None  # None: the server's pacing


@dataclass(frozen=True)
class Truncate(Reply):
    """An answer cut off by the token limit."""

    finish_reason: str = "length"


@dataclass(frozen=True)
class Status:
    """An HTTP error answer, optionally with Retry-After (seconds) or retry-after-ms."""

    code: int
    retry_after: float | None = None
    retry_after_ms: int | None = None
    message: str = "fake upstream error"


@dataclass(frozen=True)
class Slow:
    """Say nothing at all for `delay` seconds (not even headers), then behave as `then`."""

    delay: float
    then: Reply = field(default_factory=Reply)


@dataclass(frozen=True)
class Drop:
    """Close the connection: before any response, or mid-body after `after_tokens` tokens."""

    after_tokens: int | None = None
    text: str | None = None


@dataclass(frozen=True)
class Malformed:
    """A 200 answer whose body is not a chat completion."""

    body: str = "<html>upstream busy</html>"
    content_type: str = "text/html"


Behaviour = Reply | Status | Slow | Drop | Malformed
Responder = Callable[[dict[str, Any]], "str | Behaviour"]


def default_responder(request: dict[str, Any]) -> str:
    """Echo the last user message, so tests can see their prompt arrived."""
    users = [m.get("content") for m in request.get("messages", []) if m.get("role") == "user"]
    last = users[-1] if users and isinstance(users[-1], str) else ""
    return f"收到：{last}"


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the fake received it."""

    method: str
    path: str
    body: dict[str, Any]
    headers: dict[str, str]
    received_at: float  # time.monotonic()

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list(self.body.get("messages", []))

    @property
    def max_tokens(self) -> int | None:
        value = self.body.get("max_tokens", self.body.get("max_completion_tokens"))
        return int(value) if value is not None else None

    @property
    def stream(self) -> bool:
        return bool(self.body.get("stream", False))


class FakeUpstream:
    """The server object: start/stop (or `with`), script behaviours, read what was received."""

    def __init__(self, responder: Responder = default_responder, pacing: Pacing | None = None):
        self.responder = responder
        self.pacing = pacing or Pacing()
        self.model_ids = ["fake-model"]
        self._lock = threading.Lock()
        self._script: deque[Behaviour] = deque()
        self._requests: list[RecordedRequest] = []
        self._in_flight = 0
        self._max_in_flight = 0
        self._ids = itertools.count(1)
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- life cycle -------------------------------------------------------

    def start(self) -> FakeUpstream:
        self._stopping.clear()
        self._server = _Server(("127.0.0.1", 0), _Handler, self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Wake sleeping handlers, cut open connections, and join every thread."""
        if self._server is None:
            return
        self._stopping.set()
        self._server.shutdown()
        self._server.close_connections()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None

    def __enter__(self) -> FakeUpstream:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        assert self._server is not None, "FakeUpstream is not running"
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    # -- scripting and inspection ----------------------------------------

    def script(self, behaviours: Iterable[Behaviour]) -> None:
        """Queue behaviours for the next requests, in order."""
        with self._lock:
            self._script.extend(behaviours)

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path.endswith("/chat/completions")]

    @property
    def max_in_flight(self) -> int:
        with self._lock:
            return self._max_in_flight

    # -- used by the handler ---------------------------------------------

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)

    def _next(self, body: dict[str, Any]) -> Behaviour:
        with self._lock:
            scripted = self._script.popleft() if self._script else None
        if scripted is not None:
            return scripted
        answer = self.responder(body)
        return Reply(answer) if isinstance(answer, str) else answer

    @contextlib.contextmanager
    def _working(self) -> Iterator[None]:
        """Count a request as in flight while the fake 'thinks' (not while it sends the end)."""
        with self._lock:
            self._in_flight += 1
            self._max_in_flight = max(self._max_in_flight, self._in_flight)
        try:
            yield
        finally:
            with self._lock:
                self._in_flight -= 1

    def _sleep(self, seconds: float) -> None:
        if seconds > 0 and self._stopping.wait(seconds):
            raise ConnectionAbortedError("fake upstream is stopping")

    def _completion_id(self) -> str:
        return f"chatcmpl-fake-{next(self._ids)}"


class _Server(ThreadingHTTPServer):
    daemon_threads = False
    block_on_close = True
    request_queue_size = 128  # the default 5 drops SYNs of parallel clients: 1 s stalls

    def __init__(self, address: tuple[str, int], handler: type[_Handler], fake: FakeUpstream):
        self.fake = fake
        self.open_sockets: set[socket.socket] = set()
        self.sockets_lock = threading.Lock()
        super().__init__(address, handler)

    def close_connections(self) -> None:
        with self.sockets_lock:
            for sock in list(self.open_sockets):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients hanging up mid-answer is what several tests are about


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def setup(self) -> None:
        super().setup()
        with self.server.sockets_lock:
            self.server.open_sockets.add(self.connection)

    def finish(self) -> None:
        with self.server.sockets_lock:
            self.server.open_sockets.discard(self.connection)
        with contextlib.suppress(OSError):
            super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        pass

    @property
    def fake(self) -> FakeUpstream:
        return self.server.fake

    def do_GET(self) -> None:
        self._record({})
        if self.path.rstrip("/") == "/v1/models":
            data = [
                {"id": m, "object": "model", "created": 0, "owned_by": "fake"}
                for m in self.fake.model_ids
            ]
            self._send_json(200, {"object": "list", "data": data})
        else:
            self._send_error_json(404, "no such route")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except json.JSONDecodeError:
            self._send_error_json(400, "request body is not JSON")
            return
        self._record(body)
        if self.path.rstrip("/") != "/v1/chat/completions":
            self._send_error_json(404, "no such route")
            return
        try:
            self._behave(self.fake._next(body), body)
        except (ConnectionError, OSError):
            self.close_connection = True

    def _record(self, body: dict[str, Any]) -> None:
        headers = {k.lower(): v for k, v in self.headers.items()}
        recorded = RecordedRequest(self.command, self.path, body, headers, time.monotonic())
        self.fake._record(recorded)

    # -- behaviours ------------------------------------------------------

    def _behave(self, behaviour: Behaviour, body: dict[str, Any]) -> None:
        if isinstance(behaviour, Slow):
            with self.fake._working():
                self.fake._sleep(behaviour.delay)
            behaviour = behaviour.then
        if isinstance(behaviour, Status):
            self._status(behaviour)
        elif isinstance(behaviour, Malformed):
            self._send_raw(200, behaviour.body.encode(), behaviour.content_type)
        elif isinstance(behaviour, Drop) and behaviour.after_tokens is None:
            self.close_connection = True
        else:
            self._answer(behaviour, body)

    def _status(self, status: Status) -> None:
        headers = {}
        if status.retry_after is not None:
            headers["Retry-After"] = f"{status.retry_after:g}"
        if status.retry_after_ms is not None:
            headers["retry-after-ms"] = str(status.retry_after_ms)
        self._send_error_json(status.code, status.message, headers)

    def _answer(self, behaviour: Reply | Drop, body: dict[str, Any]) -> None:
        reply = behaviour if isinstance(behaviour, Reply) else Reply(behaviour.text)
        text = reply.text if reply.text is not None else self._responder_text(body)
        cut = behaviour.after_tokens if isinstance(behaviour, Drop) else None
        if body.get("stream"):
            self._stream(reply, text, body, cut)
        else:
            self._complete(reply, text, body, cut)

    def _responder_text(self, body: dict[str, Any]) -> str:
        answer = self.fake.responder(body)
        return answer if isinstance(answer, str) else ""

    def _complete(self, reply: Reply, text: str, body: dict[str, Any], cut: int | None) -> None:
        pacing = reply.pacing or self.fake.pacing
        tokens = split_tokens(text)
        with self.fake._working():
            self.fake._sleep(pacing.first_token_s + pacing.gap_s() * max(len(tokens) - 1, 0))
        message = {"role": "assistant", "content": text}
        payload = self._envelope(body, "chat.completion")
        payload["choices"] = [
            {"index": 0, "message": message, "finish_reason": reply.finish_reason, "logprobs": None}
        ]
        if reply.usage:
            payload["usage"] = _usage(body, tokens)
        data = json.dumps(payload, ensure_ascii=False).encode()
        if cut is None:
            self._send_raw(200, data, "application/json")
        else:
            self._send_head(200, "application/json", {"Content-Length": str(len(data))})
            self.wfile.write(data[: len(data) // 2])
            self.close_connection = True

    def _stream(self, reply: Reply, text: str, body: dict[str, Any], cut: int | None) -> None:
        pacing = reply.pacing or self.fake.pacing
        tokens = split_tokens(text)
        self._send_head(
            200, "text/event-stream", {"Transfer-Encoding": "chunked", "Cache-Control": "no-cache"}
        )
        started = time.monotonic()
        with self.fake._working():
            self.fake._sleep(pacing.first_token_s)
            self._event(self._chunk(body, {"role": "assistant", "content": ""}, None))
            for n, token in enumerate(tokens):
                if cut is not None and n >= cut:
                    self.close_connection = True
                    return
                # Sleep to a schedule, not a fixed gap, so write overheads do not add up.
                due = started + pacing.first_token_s + n * pacing.gap_s()
                self.fake._sleep(due - time.monotonic())
                self._event(self._chunk(body, {"content": token}, None))
            self._event(self._chunk(body, {}, reply.finish_reason))
        wants_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        if reply.usage and wants_usage:
            final = self._envelope(body, "chat.completion.chunk")
            final["choices"] = []
            final["usage"] = _usage(body, tokens)
            self._event(final)
        self._write_chunk(b"data: [DONE]\n\n")
        self._write_chunk(b"")

    # -- wire helpers ----------------------------------------------------

    def _envelope(self, body: dict[str, Any], kind: str) -> dict[str, Any]:
        model = body.get("model", "fake-model")
        return {
            "id": self.fake._completion_id(),
            "object": kind,
            "created": int(time.time()),
            "model": model,
        }

    def _chunk(self, body: dict[str, Any], delta: dict[str, Any], finish: str | None) -> Any:
        chunk = self._envelope(body, "chat.completion.chunk")
        chunk["choices"] = [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}]
        return chunk

    def _event(self, payload: dict[str, Any]) -> None:
        self._write_chunk(b"data: " + json.dumps(payload, ensure_ascii=False).encode() + b"\n\n")

    def _write_chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):X}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _send_head(self, code: int, content_type: str, headers: dict[str, str]) -> None:
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()

    def _send_raw(
        self, code: int, data: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        self._send_head(code, content_type, {"Content-Length": str(len(data)), **(headers or {})})
        self.wfile.write(data)
        self.wfile.flush()

    def _send_json(self, code: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload, ensure_ascii=False).encode()
        self._send_raw(code, data, "application/json", headers)

    def _send_error_json(
        self, code: int, message: str, headers: dict[str, str] | None = None
    ) -> None:
        error = {"message": message, "type": "fake_error", "code": str(code)}
        self._send_json(code, {"error": error}, headers)


def _usage(body: dict[str, Any], completion: list[str]) -> dict[str, int]:
    prompt = sum(
        len(split_tokens(m["content"]))
        for m in body.get("messages", [])
        if isinstance(m.get("content"), str)
    )
    return {
        "prompt_tokens": prompt,
        "completion_tokens": len(completion),
        "total_tokens": prompt + len(completion),
    }

"""A real HTTP server on 127.0.0.1 for fakes: routes, recorded requests, switchable faults."""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body or b"null")


@dataclass
class Reply:
    status: int = 200
    body: bytes | Any = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json; charset=UTF-8"


Handler = Callable[[Request], Reply]

# Fault kinds every fake offers (CHANNELS.md §9).
FAULTS = (
    "status",
    "truncate",
    "wrong_shape",
    "wrong_type",
    "big",
    "big_unsized",
    "hang",
    "trickle",
    # The request is carried out but its answer is lost (a proxy's 504 after the origin acted).
    "lost_answer",
)


class FakeServer:
    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.requests: list[Request] = []
        self.faults: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.hang_seconds = 30.0
        # "trickle": one body byte per this many seconds, under any per-read timeout.
        self.trickle_seconds = 0.5
        self._lock = threading.Lock()
        fake = self

        class _H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_args: Any) -> None:
                pass

            def _handle(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                req = Request(
                    self.command,
                    parts.path,
                    parse_qs(parts.query),
                    dict(self.headers.items()),
                    self.rfile.read(length) if length else b"",
                )
                with fake._lock:
                    fake.requests.append(req)
                fault = fake._take_fault(req)
                if fault is not None and fault["kind"] == "hang":
                    time.sleep(fake.hang_seconds)
                    return
                if fault is not None and fault["kind"] == "big_unsized":
                    # No Content-Length: the client only learns the size by reading.
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Connection", "close")
                    self.end_headers()
                    self.wfile.write(b"[" + b" " * (11 * 1024 * 1024) + b"]")
                    self.close_connection = True
                    return
                reply = (
                    fake.handler(req)
                    if fault is None
                    or fault["kind"] in ("truncate", "wrong_type", "trickle", "lost_answer")
                    else None
                )
                if fault is not None:
                    reply = fake._faulty(fault, reply)
                assert reply is not None
                body = (
                    reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body).encode()
                )
                truncate = fault is not None and fault["kind"] == "truncate"
                if fault is not None and fault["kind"] == "trickle":
                    fake._trickle(self, reply, body)
                    return
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(body)))
                for k, v in reply.headers.items():
                    self.send_header(k, v)
                self.end_headers()
                if truncate:
                    self.wfile.write(body[: max(1, len(body) // 2)])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(body)

            def _safe(self) -> None:
                try:
                    self._handle()
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True  # the client gave up (a timeout test)

            do_GET = do_POST = do_PUT = do_DELETE = _safe

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _H)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def start(self) -> FakeServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def fail(self, path_prefix: str, kind: str = "status", times: int = 1, **spec: Any) -> None:
        """Queue a fault for the next `times` requests whose path contains `path_prefix`."""
        assert kind in FAULTS
        with self._lock:
            for _ in range(times):
                self.faults[path_prefix].append({"kind": kind, **spec})

    def _take_fault(self, req: Request) -> dict[str, Any] | None:
        with self._lock:
            for prefix, queue in self.faults.items():
                if not queue or not (prefix in req.path or prefix in _route(req)):
                    continue
                for i, fault in enumerate(queue):
                    if fault.get("method", req.method) == req.method:
                        return queue.pop(i)
        return None

    def _faulty(self, fault: dict[str, Any], reply: Reply | None) -> Reply:
        kind = fault["kind"]
        if kind == "status":
            return Reply(
                fault.get("status", 500),
                fault.get("body", {"code": "fault", "message": "injected"}),
                fault.get("headers", {}),
            )
        if kind == "wrong_shape":
            return Reply(200, {"unexpected": "shape"})
        if kind == "lost_answer":
            return Reply(504, b"<html>504 Gateway Time-out</html>", {}, "text/html")
        if kind == "big":
            return Reply(200, b"[" + b" " * (11 * 1024 * 1024) + b"]")
        if kind == "wrong_type":
            assert reply is not None
            return Reply(reply.status, reply.body, reply.headers, "text/html")
        assert reply is not None
        return reply

    def _trickle(self, handler: BaseHTTPRequestHandler, reply: Reply, body: bytes) -> None:
        handler.send_response(reply.status)
        handler.send_header("Content-Type", reply.content_type)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.flush()
        for i in range(len(body)):
            handler.wfile.write(body[i : i + 1])
            handler.wfile.flush()
            time.sleep(self.trickle_seconds)  # the server's pace, not a test waiting
        handler.close_connection = True

    def paths(self, method: str | None = None) -> list[str]:
        return [_route(r) for r in self.requests if method is None or r.method == method]


def _route(req: Request) -> str:
    if "rest_route" in req.query:
        return req.query["rest_route"][0]
    return req.path

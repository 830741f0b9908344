"""A webhook receiver on 127.0.0.1 that keeps every JSON body it gets, with its arrival time.

With ``failures=N`` it answers 503 to the first N posts (kept too), then 200: a receiver that is down for a while.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

__all__ = ["WebhookReceiver"]


class WebhookReceiver:
    def __init__(self, failures: int = 0):
        received = self.received = []  # (time.perf_counter() at arrival, body)

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                received.append((time.perf_counter(), body))
                self.send_response(503 if len(received) <= failures else 200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        # shutdown() waits for serve_forever to look again: every 0.05 s, not its default 0.5 s
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def bodies(self) -> list[dict]:
        return [body for _, body in self.received]

    def close(self) -> None:
        self.server.shutdown()

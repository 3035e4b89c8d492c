"""Web speed: `POST /api/v1/plan` throughput and latency under load, and page render time.

Goal (web issue): 1,000 plans/s with p99 under 20 ms on the 2-core development machine,
the load coming from a second process over loopback.

How it measures, and why:

- The server runs as in production: ``magnerve serve`` (uvicorn, access log off, Nagle off)
  in its own process with ``--workers`` 1 or 2, on a scratch journal.
- The load comes from another process (this file re-run with ``--generate``): an asyncio
  client on raw keep-alive sockets, ``--connections`` of them, each sending the next
  request as soon as the previous answer has arrived (closed loop). A raw client is used
  because httpx spends ~0.5 ms of CPU per request in Python; on two cores that would
  measure the client, not the server. ``--client httpx`` runs the same loop with httpx for
  comparison.
- Bodies are 500 varied profiles (``bench_plan.random_profile``: kidneys, medicines,
  conditions, supplements, routines), sent in turn, so caches do not flatter the result.
- Latency is from the first byte sent to the last byte received, per request; throughput
  is completed 200 responses per second over the measured window (after a warm-up).
- Page render: ``GET /plan`` (the form, with the medicine list) and ``POST /plan`` (the
  result page), one request at a time, as a person would load them.

Run: .venv/bin/python benchmarks/bench_web.py [--seconds 10] [--workers 1 2] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(workers: int, journal: Path) -> tuple[subprocess.Popen[bytes], int]:
    """`magnerve serve` (production settings) in its own process; returns it and its port."""
    port = _free_port()
    code = ("from magnerve.cli.serve_cmd import serve_command; "
            f"serve_command(host='127.0.0.1', port={port}, db={str(journal)!r}, "
            f"allow_remote=False, password_file=None, ssl_certfile=None, ssl_keyfile=None, "
            f"workers={workers})")
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    process = subprocess.Popen([sys.executable, "-c", code], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2) as sock:
                sock.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n")
                if b"200 OK" in sock.recv(1024):
                    # Every worker must be up before the clock starts.
                    time.sleep(1.5 if workers > 1 else 0.2)
                    return process, port
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the server did not start within 30 s")


def stop_server(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGINT)
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)


# --------------------------------------------------------------------------------------------
# Load generator (runs in its own process)


def _bodies(count: int = 500, seed: int = 20261120) -> list[bytes]:
    from bench_plan import random_profile

    rng = random.Random(seed)
    return [json.dumps(random_profile(rng)).encode() for _ in range(count)]


def _request(port: int, body: bytes) -> bytes:
    return (b"POST /api/v1/plan HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
            b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n"
            % (port, len(body))) + body


async def _raw_connection(port: int, requests: list[bytes], stop_at: float, start_at: float,
                          offset: int, samples: list[float], errors: list[int]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    index = offset
    try:
        while True:
            now = time.perf_counter()
            if now >= stop_at:
                return
            writer.write(requests[index % len(requests)])
            index += 1
            status_line = await reader.readline()
            length = 0
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b""):
                    break
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            await reader.readexactly(length)
            done = time.perf_counter()
            if now >= start_at:
                if b" 200 " in status_line:
                    samples.append(done - now)
                else:
                    errors.append(int(status_line.split()[1]))
    finally:
        writer.close()


async def _httpx_connection(port: int, bodies: list[bytes], stop_at: float, start_at: float,
                            offset: int, samples: list[float], errors: list[int],
                            client: Any) -> None:
    index = offset
    while True:
        now = time.perf_counter()
        if now >= stop_at:
            return
        response = await client.post("/api/v1/plan", content=bodies[index % len(bodies)],
                                     headers={"content-type": "application/json"})
        index += 1
        done = time.perf_counter()
        if now >= start_at:
            if response.status_code == 200:
                samples.append(done - now)
            else:
                errors.append(response.status_code)


async def _generate(port: int, connections: int, seconds: float, warmup: float,
                    client_kind: str) -> dict[str, Any]:
    bodies = _bodies()
    samples: list[float] = []
    errors: list[int] = []
    begin = time.perf_counter()
    start_at = begin + warmup
    stop_at = start_at + seconds
    if client_kind == "httpx":
        import httpx

        limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=limits,
                                     timeout=30) as client:
            await asyncio.gather(*(
                _httpx_connection(port, bodies, stop_at, start_at, i * 37, samples, errors,
                                  client) for i in range(connections)))
    else:
        requests = [_request(port, body) for body in bodies]
        await asyncio.gather(*(
            _raw_connection(port, requests, stop_at, start_at, i * 37, samples, errors)
            for i in range(connections)))
    samples.sort()

    def pct(q: float) -> float:
        return samples[min(len(samples) - 1, int(len(samples) * q))] * 1000

    return {
        "requests": len(samples),
        "errors": len(errors),
        "throughput_rps": len(samples) / seconds,
        "p50_ms": pct(0.50),
        "p90_ms": pct(0.90),
        "p99_ms": pct(0.99),
        "max_ms": samples[-1] * 1000,
        "mean_ms": statistics.fmean(samples) * 1000,
    }


def run_load(port: int, connections: int, seconds: float, warmup: float,
             client_kind: str) -> dict[str, Any]:
    """Drive the server from a second process and return its figures."""
    output = subprocess.check_output(
        [sys.executable, __file__, "--generate", "--port", str(port),
         "--connections", str(connections), "--seconds", str(seconds),
         "--warmup", str(warmup), "--client", client_kind], text=True)
    result: dict[str, Any] = json.loads(output)
    return result


# --------------------------------------------------------------------------------------------
# Page render time


def page_times(port: int, repeats: int = 50) -> dict[str, float]:
    """Median and p90 of GET /plan and POST /plan (form -> result page), one at a time."""
    import httpx

    form = {"age": "58", "sex": "female", "egfr": "78", "serum_value": "0.78",
            "serum_unit": "mmol/L", "med_name": ["Synthroid", "gabapentin"],
            "med_times": ["06:30", "07:30, 15:00, 22:30"], "wake": "06:30",
            "sleep": "23:00", "meal": ["07:30", "12:30", "18:30"]}
    out: dict[str, float] = {}
    with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
        page = client.get("/plan")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token is not None
        body = urlencode({**form, "csrf_token": token[1]}, doseq=True)
        for name, call in (
            ("get_plan_form", lambda: client.get("/plan")),
            ("post_plan_result", lambda: client.post(
                "/plan", content=body,
                headers={"content-type": "application/x-www-form-urlencoded"})),
        ):
            samples = []
            for _ in range(5):
                call()
            for _ in range(repeats):
                start = time.perf_counter()
                response = call()
                samples.append((time.perf_counter() - start) * 1000)
                assert response.status_code == 200, response.text[:300]
            samples.sort()
            out[f"{name}_median_ms"] = statistics.median(samples)
            out[f"{name}_p90_ms"] = samples[int(repeats * 0.9) - 1]
            out[f"{name}_kb"] = len(response.content) / 1024
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--client", choices=("raw", "httpx"), default="raw")
    parser.add_argument("--json", action="store_true", help="print figures as JSON")
    parser.add_argument("--generate", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.generate:
        print(json.dumps(asyncio.run(_generate(args.port, args.connections, args.seconds,
                                               args.warmup, args.client))))
        return

    figures: dict[str, Any] = {"cpus": os.cpu_count(), "connections": args.connections,
                               "client": args.client, "seconds": args.seconds}
    with tempfile.TemporaryDirectory(prefix="magnerve-bench-") as scratch:
        for workers in args.workers:
            process, port = start_server(workers, Path(scratch) / f"w{workers}.sqlite3")
            try:
                load = run_load(port, args.connections, args.seconds, args.warmup,
                                args.client)
                figures[f"plan_workers_{workers}"] = load
                if workers == args.workers[0]:
                    figures["pages"] = page_times(port)
            finally:
                stop_server(process)
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    print(f"POST /api/v1/plan, {args.connections} keep-alive connections from a second "
          f"process ({args.client} client), {args.seconds:g} s, {figures['cpus']} CPUs")
    for workers in args.workers:
        load = figures[f"plan_workers_{workers}"]
        print(f"  workers={workers}: {load['throughput_rps']:7.0f} req/s  p50 "
              f"{load['p50_ms']:5.1f} ms  p90 {load['p90_ms']:5.1f} ms  p99 "
              f"{load['p99_ms']:5.1f} ms  max {load['max_ms']:6.1f} ms  errors "
              f"{load['errors']}")
    print("Page render (one request at a time, over HTTP):")
    for key, value in figures["pages"].items():
        print(f"  {key:28s} {value:8.2f}")


if __name__ == "__main__":
    main()

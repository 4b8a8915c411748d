"""What any page benchmark needs: a gunicorn server, a signed-in cookie, a load tool, the
description of the machine, and its own section of docs/benchmarks.md.

Everything talks to 127.0.0.1 only.
"""

import hashlib
import http.client
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
COOKIE_NAME = "portal_session"


# The server ---------------------------------------------------------------------------------


def free_port():
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


@contextmanager
def gunicorn(env, workers=2, log_path=None, timeout=60):
    """Serve `wsgi:app` with gunicorn on a free loopback port; yields (port, process group).

    Waits until /healthz answers 200, and stops the server (its own process group) on exit.
    """
    port = free_port()
    command = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "--workers", str(workers),
        "--bind", f"{HOST}:{port}",
        "wsgi:app",
    ]
    log = open(log_path or os.devnull, "ab")
    server = subprocess.Popen(
        command, cwd=ROOT, env={**os.environ, **env}, stdout=log, stderr=log,
        start_new_session=True,
    )
    try:
        wait_until_healthy(port, server, timeout)
        yield port, server.pid
    except Exception:
        if log_path:
            print(f"The end of {log_path}:", file=sys.stderr)
            print(*Path(log_path).read_text().splitlines()[-40:], sep="\n", file=sys.stderr)
        raise
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        log.close()


def wait_until_healthy(port, server, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with status {server.returncode}")
        try:
            status, _headers, _body = request(port, "GET", "/healthz")
        except OSError:
            status = None
        if status == 200:
            return
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer /healthz within {timeout} s")


# Requests and signing in --------------------------------------------------------------------


def request(port, method, path, cookie=None, form=None):
    """One HTTP request to the local server; returns (status, headers, body text)."""
    headers = {}
    body = None
    if cookie:
        headers["Cookie"] = f"{COOKIE_NAME}={cookie}"
    if form is not None:
        body = urllib.parse.urlencode(form)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.getheaders(), response.read().decode("utf-8", "replace")
    finally:
        connection.close()


def session_cookie(headers):
    """The value of the session cookie set by a response, or None."""
    for name, value in headers:
        if name.lower() == "set-cookie" and value.startswith(COOKIE_NAME + "="):
            return value.split(";", 1)[0].split("=", 1)[1]
    return None


def sign_in(port, email, password):
    """Sign in through the real form (CSRF token and all); returns the session cookie value."""
    status, headers, body = request(port, "GET", "/auth/sign-in")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', body)
    if status != 200 or token is None:
        raise RuntimeError(f"GET /auth/sign-in answered {status} without a CSRF token")
    form = {"csrf_token": token.group(1), "email": email, "password": password}
    status, headers, _body = request(port, "POST", "/auth/sign-in", session_cookie(headers), form)
    cookie = session_cookie(headers)
    if status != 302 or cookie is None:
        raise RuntimeError(f"sign-in answered {status}: wrong password or a second factor asked")
    return cookie


def check_page(port, path, cookie, expected_text):
    """Fail unless `path` answers 200 with `expected_text` for this cookie (a redirect to the
    sign-in page would make the load tool measure the wrong page). Returns the cookie a browser
    would hold afterwards: the first page adds a CSRF token to the session."""
    status, headers, body = request(port, "GET", path, cookie)
    if status != 200:
        raise RuntimeError(f"GET {path} answered {status}, not 200: is the cookie signed in?")
    if expected_text not in body:
        raise RuntimeError(f"GET {path} does not show {expected_text!r}")
    return session_cookie(headers) or cookie


# Load ---------------------------------------------------------------------------------------


def wrk_path():
    """The wrk binary; installed with apt-get when missing and we are root, else None."""
    path = shutil.which("wrk")
    if path is None and os.geteuid() == 0 and shutil.which("apt-get"):
        print("wrk is missing: apt-get install -y wrk", flush=True)
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=False,
                       stdout=subprocess.DEVNULL)
        path = shutil.which("wrk")
    return path


def load_tool_name():
    path = wrk_path()
    if path is None:
        return "the Python fallback in bench/harness.py (wrk not installed)"
    version = subprocess.run([path, "-v"], capture_output=True, text=True).stdout.split("\n")[0]
    return " ".join(version.split()[:2])


def measure(port, path, cookie, seconds, warm_up, threads, connections, repeats=3,
            server_group=None, database_processes=()):
    """Requests/s and p50/p99 latency (ms) of GET `path`, after `warm_up` seconds unmeasured.

    The load runs `repeats` times, each on a quiet machine (and again, up to ATTEMPTS times,
    when other processes took more than twice QUIET_PCT of the CPU meanwhile). The figures are
    those of the run with the median throughput, with the throughput of every run
    (`requests_per_s_runs`), the share of the CPU that other processes took during that run
    (`other_cpu_pct`) and the failed requests of all runs (`failed`).
    """
    url = f"http://{HOST}:{port}{path}"
    path_to_wrk = wrk_path()
    run = run_wrk if path_to_wrk else run_python_load
    ours = OurProcesses(server_group, database_processes)
    run(path_to_wrk, url, cookie, warm_up, threads, connections)
    results, failed = [], 0
    for _ in range(repeats):
        attempts = []
        # Another process may start in the middle of a measurement: take it again then.
        while len(attempts) < ATTEMPTS and (
            not attempts or attempts[-1]["other_cpu_pct"] > 2 * QUIET_PCT
        ):
            wait_for_quiet(ours)
            before, started = cpu_seconds(), time.monotonic()
            figures = run(path_to_wrk, url, cookie, seconds, threads, connections)
            figures["other_cpu_pct"] = round(ours.others_share(before, cpu_seconds(), started), 1)
            attempts.append(figures)
            failed += figures["failed"]
        results.append(min(attempts, key=lambda figures: figures["other_cpu_pct"]))
    results.sort(key=lambda figures: figures["requests_per_s"])
    median = dict(results[len(results) // 2])
    median["requests_per_s_runs"] = [figures["requests_per_s"] for figures in results]
    median["failed"] = failed
    return median


def run_wrk(path_to_wrk, url, cookie, seconds, threads, connections):
    output = subprocess.run(
        # A long timeout: wrk leaves requests slower than its default 2 s out of the latencies.
        [path_to_wrk, f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "60s",
         "--latency",
         "-H", f"Cookie: {COOKIE_NAME}={cookie}", url],
        capture_output=True, text=True, check=True,
    ).stdout
    return parse_wrk(output)


UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def parse_wrk(output):
    def latency(percent):
        match = re.search(rf"^\s*{percent}%\s+([\d.]+)(us|ms|s|m)\s*$", output, re.MULTILINE)
        return float(match.group(1)) * UNITS_MS[match.group(2)]

    requests = re.search(r"(\d+) requests in", output)
    not_ok = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
                       output)
    return {
        "requests_per_s": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50_ms": latency(50),
        "p99_ms": latency(99),
        "requests": int(requests.group(1)),
        "failed": (int(not_ok.group(1)) if not_ok else 0)
        + (sum(int(n) for n in errors.groups()) if errors else 0),
    }


def run_python_load(_path, url, cookie, seconds, threads, connections):
    """A small closed-loop load generator for machines without wrk: `connections` threads,
    each sending one request after another. It competes with the server for the CPU more
    than wrk does, so its figures are lower; the doc names the tool used."""
    parsed = urllib.parse.urlsplit(url)
    latencies, failed = [], [0]
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client():
        while time.monotonic() < deadline:
            start = time.perf_counter()
            status, _headers, _body = request(parsed.port, "GET", parsed.path, cookie)
            elapsed = (time.perf_counter() - start) * 1000
            with lock:
                latencies.append(elapsed)
                failed[0] += status >= 400

    started = time.monotonic()
    workers = [threading.Thread(target=client) for _ in range(connections)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.monotonic() - started
    latencies.sort()
    return {
        "requests_per_s": len(latencies) / elapsed,
        "p50_ms": latencies[len(latencies) // 2],
        "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
        "requests": len(latencies),
        "failed": failed[0],
    }


# Other processes ---------------------------------------------------------------------------
#
# The machine may be shared (a test run in another terminal): the figures are only worth
# keeping if nothing else took the CPU meanwhile. So each measurement waits for a quiet machine
# and reports how much CPU the processes that are not part of the benchmark used.

#: Below this share of the machine's CPU used by others, the machine counts as quiet.
QUIET_PCT = 10
QUIET_WAIT_SECONDS = 900
#: Tries of a measurement during which others took more than twice QUIET_PCT.
ATTEMPTS = 3


def cpu_seconds():
    """{pid: (name, process group, CPU seconds used so far)} of every process."""
    ticks = os.sysconf("SC_CLK_TCK")
    processes = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        processes[int(entry.name)] = (name, int(fields[2]), (int(fields[11]) + int(fields[12])) / ticks)
    return processes


class OurProcesses:
    """The benchmark's processes: this one and its children (wrk), the server's process
    group, and the database server's processes when it is part of the run."""

    def __init__(self, server_group, database_processes):
        self.groups = {os.getpgrp(), server_group}
        self.names = tuple(database_processes)

    def ours(self, name, group):
        return group in self.groups or any(name.startswith(prefix) for prefix in self.names)

    def others_share(self, before, after, started):
        """Percent of all cores that other processes used between two `cpu_seconds()`."""
        used = 0.0
        for pid, (name, group, seconds) in after.items():
            if not self.ours(name, group):
                earlier = before.get(pid)
                used += seconds - (earlier[2] if earlier and earlier[0] == name else 0.0)
        elapsed = max(time.monotonic() - started, 1e-6)
        return 100 * used / (elapsed * (os.cpu_count() or 1))


def wait_for_quiet(ours, sample_seconds=3):
    """Wait until other processes use less than QUIET_PCT of the CPU (at most
    QUIET_WAIT_SECONDS; the measurement then goes ahead and reports the disturbance)."""
    deadline = time.monotonic() + QUIET_WAIT_SECONDS
    announced = False
    while True:
        before, started = cpu_seconds(), time.monotonic()
        time.sleep(sample_seconds)
        share = ours.others_share(before, cpu_seconds(), started)
        if share < QUIET_PCT or time.monotonic() > deadline:
            return share
        if not announced:
            print(f"Other processes use {share:.0f} % of the CPU: waiting for a quiet machine...",
                  flush=True)
            announced = True


# The machine --------------------------------------------------------------------------------


def code_fingerprint(*folders):
    """A short hash of the files under `folders`: runs made on different code show it."""
    digest = hashlib.sha256()
    for folder in folders:
        for path in sorted((ROOT / folder).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".mo":
                digest.update(str(path.relative_to(ROOT)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


def machine(database):
    """CPU model, cores, memory, Python and database, as the project rules ask."""
    cpu = platform.processor() or platform.machine()
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        cpu = re.search(r"^Model name:\s*(.+)$", lscpu, re.MULTILINE).group(1).strip()
    except (OSError, AttributeError):
        pass
    memory_kib = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": memory_kib // 1024 // 1024,  # as `free -g` shows it
        "python": platform.python_version(),
        "database": database,
    }


# docs/benchmarks.md -------------------------------------------------------------------------

DOC = ROOT / "docs" / "benchmarks.md"
DOC_HEADER = """# Benchmarks

Each benchmark lives in `bench/`, prints its figures and keeps them here, with the machine and
the command that produced them. They are not timed tests: `make test` does not run them.
"""


def saved_runs(name):
    """The runs a benchmark stored in its section (a JSON comment), or []."""
    if not DOC.exists():
        return []
    match = re.search(
        rf"<!-- {name}:data\n(.*?)\n-->", DOC.read_text(encoding="utf-8"), re.DOTALL
    )
    return json.loads(match.group(1)) if match else []


def write_section(name, body, runs):
    """Replace the benchmark's section (between its start and end comments) in
    docs/benchmarks.md, creating the file or appending the section if needed; the sections
    of other benchmarks and text outside the markers stay as they are."""
    data = json.dumps(runs, indent=1, ensure_ascii=False)
    if "-->" in data:
        raise ValueError("the stored runs cannot contain '-->'")
    section = (
        f"<!-- {name}:start -->\n{body.rstrip()}\n\n<!-- {name}:data\n{data}\n-->\n"
        f"<!-- {name}:end -->"
    )
    document = DOC.read_text(encoding="utf-8") if DOC.exists() else DOC_HEADER
    pattern = re.compile(rf"<!-- {name}:start -->.*?<!-- {name}:end -->", re.DOTALL)
    if pattern.search(document):
        document = pattern.sub(lambda _match: section, document)
    else:
        document = document.rstrip() + "\n\n" + section + "\n"
    DOC.parent.mkdir(parents=True, exist_ok=True)
    DOC.write_text(document, encoding="utf-8")

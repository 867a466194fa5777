#!/usr/bin/env python3
"""bench.py - the benchmark harness behind `make bench` (issue 7).

Not a test: it measures, and writes what it measured to bench/RESULTS.md.

1. Cached throughput. Strata (response cache on), nginx serving the exact
   bytes Strata returns (written to files, gzip variants as .gz files served
   by gzip_static, the same response headers added) and json-server (the
   pinned npm package, serving the same records) are started side by side,
   each pinned to one core (taskset), and wrk, pinned to the other core, is
   run against each in alternating rounds (the order rotates every round) for
   every route and connection mode: keep-alive, `Connection: close`, and
   keep-alive with `Accept-Encoding: gzip`. The table gives the median over
   the rounds of req/s and of wrk's p50/p99 latency, the server's RSS, and
   the ratios Strata/nginx and Strata/json-server.
2. Uncached path. A second Strata with `--cache-size 0` (every request runs
   the handler and renders) under the same wrk load, and the latency of
   single requests one at a time on an idle server (bench/latency.c).
3. Startup: time from exec to the first 200 of /readyz, median of several.
4. Scale: tools/gen-model.py writes models 100x and 1000x the bundled one;
   for each size (1x is the bundled model) Strata is started with the cache
   off and the load time, RSS (after loading, the peak while loading, and
   after the queries) and single-request latency of filtered, sorted, paged
   and full-text queries are recorded.
5. RESULTS.md: the tables, the targets of issue 7 with a verdict each, and
   the analysis kept in bench/ANALYSIS.md (why a target holds or does not).

   The ratios are medians of per-round ratios; each server's CPU time per
   request (from /proc) and the CPU used by other processes during the runs
   are recorded too, because this 2-core machine is often shared.
6. --variant BIN runs a second Strata build (a proposed change) in the same
   cached rounds and reports it in a table of its own.

usage: bench.py --strata BIN --latency BIN [--out DIR] [--results FILE]
                [--duration S] [--rounds N] [--connections N] [--scales 1,100,1000]
                [--skip PARTS] [--variant BIN --variant-label TEXT]
"""

import argparse
import datetime
import gzip
import http.client
import json
import os
import platform
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"

# The routes of issue 7: (name, Strata target, json-server target). nginx serves
# the same bytes from /<name>.json. json-server's closest equivalent is noted in
# RESULTS.md: it filters with `layers_like`, searches one collection with q=, and
# has no include= (the item alone).
ROUTES = [
    ("collection", "/v1/actors", "/actors"),
    ("filtered", "/v1/events?layer=layer-3-russia&sort=-date",
     "/events?layers_like=layer-3-russia&_sort=date.start&_order=desc"),
    ("search", "/v1/search?q=Taliban", "/evidence?q=Taliban"),
    ("item-include", "/v1/actors/russia?include=events", "/actors/russia"),
]
MODES = [
    ("keep-alive", []),
    ("close", ["Connection: close"]),
    ("gzip", ["Accept-Encoding: gzip"]),
]
COLLECTIONS = ["actors", "organizations", "places", "events", "layers", "threats", "claims",
               "evidence", "relations"]
# Response headers that each server makes itself (nginx: from the file).
OWN_HEADERS = {"date", "content-length", "content-type", "etag", "last-modified", "connection",
               "content-encoding", "keep-alive", "x-request-id", "transfer-encoding", "server",
               "accept-ranges"}


def log(message):
    print("bench: " + message, flush=True)


def fail(message):
    print("bench: error: " + message, file=sys.stderr, flush=True)
    sys.exit(1)


# ---- processes ---------------------------------------------------------------------

def cpu_count():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


PINNED = cpu_count() >= 2
SERVER_CPU = "0"
CLIENT_CPU = "1"


def pin(cpu, argv):
    return ["taskset", "-c", cpu] + argv if PINNED else argv


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def proc_status(pid):
    """VmRSS and VmHWM of pid in kB (0 when gone)."""
    values = {"VmRSS": 0, "VmHWM": 0}
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                key = line.split(":", 1)[0]
                if key in values:
                    values[key] = int(line.split()[1])
    except OSError:
        pass
    return values


def children(pid):
    """Direct children of pid."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2:].split()
        if len(fields) > 1 and int(fields[1]) == pid:
            found.append(int(entry))
    return found


CLOCK_TICK = os.sysconf("SC_CLK_TCK")


def proc_cpu_seconds(pid):
    """utime + stime of pid (all its threads), in seconds."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            stat = f.read()
    except OSError:
        return 0.0
    fields = stat[stat.rfind(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICK


def busy_seconds():
    """CPU seconds spent busy by the whole machine (all CPUs) since boot."""
    with open("/proc/stat") as f:
        values = [int(x) for x in f.readline().split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return (sum(values[:8]) - idle) / CLOCK_TICK


class Server:
    """A process under test: started pinned, stopped by its own pid."""

    def __init__(self, name, argv, cwd=None, log_path=None):
        self.name = name
        self.argv = argv
        self.cwd = cwd
        self.log_path = log_path
        self.proc = None
        self.port = None
        self.peak_rss_kb = 0

    def start(self):
        log_file = open(self.log_path, "w") if self.log_path else subprocess.DEVNULL
        self.proc = subprocess.Popen(pin(SERVER_CPU, self.argv), cwd=self.cwd,
                                     stdout=log_file, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        if self.log_path:
            log_file.close()

    def measured_pids(self):
        """The processes whose memory is the server's (nginx: its worker)."""
        if self.proc is None:
            return []
        if self.name == "nginx":
            return children(self.proc.pid) or [self.proc.pid]
        return [self.proc.pid]

    def rss_kb(self):
        rss = sum(proc_status(p)["VmRSS"] for p in self.measured_pids())
        self.peak_rss_kb = max(self.peak_rss_kb, rss)
        return rss

    def cpu_seconds(self):
        return sum(proc_cpu_seconds(p) for p in self.measured_pids())

    def hwm_kb(self):
        return sum(proc_status(p)["VmHWM"] for p in self.measured_pids())

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


def http_get(port, target, headers=None, timeout=30):
    """(status, headers dict lower-cased, body bytes) of one GET."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", target, headers=headers or {})
        resp = conn.getresponse()
        body = resp.read()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, body
    finally:
        conn.close()


class StartFailed(Exception):
    """A server did not start: the message says why (with its log's last line)."""


def last_log_line(server):
    try:
        lines = [x for x in Path(server.log_path).read_text(errors="replace").splitlines() if x]
        return lines[-1] if lines else "(empty log)"
    except (OSError, TypeError):
        return "(no log)"


def wait_ready(server, port, path, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not server.alive():
            raise StartFailed("%s exited while starting: %s" % (server.name,
                                                                last_log_line(server)))
        try:
            status, _, _ = http_get(port, path, timeout=2)
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.005)
    server.stop()
    raise StartFailed("%s did not become ready within %d s (see %s)" % (server.name, timeout,
                                                                        server.log_path))


def start_strata(args, data, cache, name, threads=1, timeout=180, binary=None, extra=()):
    """Start Strata on a free port; returns (server, seconds from exec to ready)."""
    out = Path(args.out)
    port_file = out / ("%s.port" % name)
    if port_file.exists():
        port_file.unlink()
    # a model directory is compiled once into the bench's own cache folder (never ~/.cache)
    argv = [binary or args.strata, "--port", "0", "--port-file", str(port_file), "--data", str(data),
            "--threads", str(threads), "--access-log", "false",
            "--spec-dir", str(ROOT / "api-spec"), "--cache-dir", str(out / "cache")]
    if not cache:
        argv += ["--cache-size", "0"]
    argv += list(extra)
    server = Server("strata", argv, cwd=str(ROOT), log_path=str(out / ("%s.log" % name)))
    started = time.monotonic()
    server.start()
    deadline = started + timeout
    while not port_file.exists():
        server.rss_kb()  # the peak while loading, even when the load fails
        if not server.alive():
            raise StartFailed("strata exited while starting after %.1f s (peak RSS %s MB): %s" % (
                time.monotonic() - started, fmt_mb(server.peak_rss_kb), last_log_line(server)))
        if time.monotonic() > deadline:
            server.stop()
            raise StartFailed("strata wrote no port file within %d s" % timeout)
        time.sleep(0.002)
    server.port = int(port_file.read_text().strip())
    wait_ready(server, server.port, "/readyz", timeout)
    return server, time.monotonic() - started


# ---- wrk ------------------------------------------------------------------------------

UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 6e4}


def to_ms(text):
    m = re.match(r"([0-9.]+)(us|ms|s|m)$", text)
    if not m:
        raise ValueError("unreadable latency %r" % text)
    return float(m.group(1)) * UNITS[m.group(2)]


def run_wrk(args, server, target, headers, duration):
    """One wrk run against server; its RSS is sampled while the load lasts."""
    argv = ["wrk", "-t1", "-c%d" % args.connections, "-d%ds" % duration, "--latency"]
    for h in headers:
        argv += ["-H", h]
    argv.append("http://127.0.0.1:%d%s" % (server.port, target))
    cpu0, busy0 = server.cpu_seconds(), busy_seconds()
    child0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    proc = subprocess.Popen(pin(CLIENT_CPU, argv), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + duration + 60
    while proc.poll() is None and time.monotonic() < deadline:
        server.rss_kb()
        time.sleep(0.25)
    try:
        text, err = proc.communicate(timeout=max(1, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        proc.kill()
        fail("wrk did not finish on %s" % target)
    if proc.returncode != 0:
        fail("wrk failed on %s: %s %s" % (target, text, err))
    elapsed = time.monotonic() - started
    server_cpu = server.cpu_seconds() - cpu0
    child1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    wrk_cpu = (child1.ru_utime - child0.ru_utime) + (child1.ru_stime - child0.ru_stime)
    foreign = max(0.0, busy_seconds() - busy0 - server_cpu - wrk_cpu) / elapsed
    rps = re.search(r"Requests/sec:\s+([0-9.]+)", text)
    p50 = re.search(r"^\s+50%\s+(\S+)", text, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", text, re.M)
    if not (rps and p50 and p99):
        fail("cannot read wrk's output for %s:\n%s" % (target, text))
    errors = 0
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    if non2xx:
        errors += int(non2xx.group(1))
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if sock:
        errors += int(sock.group(1)) + int(sock.group(3)) + int(sock.group(4))
    requests = re.search(r"(\d+) requests in", text)
    count = int(requests.group(1)) if requests else 0
    return {"rps": float(rps.group(1)), "p50_ms": to_ms(p50.group(1)),
            "p99_ms": to_ms(p99.group(1)), "errors": errors, "requests": count,
            "cpu_us": server_cpu * 1e6 / count if count else 0.0, "foreign_cpus": foreign}


def median_of(runs, key):
    return statistics.median(r[key] for r in runs)


def summarise(runs, server):
    return {"rps": median_of(runs, "rps"), "p50_ms": median_of(runs, "p50_ms"),
            "p99_ms": median_of(runs, "p99_ms"), "errors": sum(r["errors"] for r in runs),
            "cpu_us": median_of(runs, "cpu_us"), "foreign_cpus": median_of(runs, "foreign_cpus"),
            "rps_runs": [round(r["rps"]) for r in runs], "rss_kb": server.rss_kb(),
            "peak_rss_kb": server.peak_rss_kb}


class QueryFailed(Exception):
    """The latency client got something other than 200."""


def run_latency(args, port, targets, headers=(), requests=None, warmup=20, max_seconds=0):
    argv = [args.latency, "--port", str(port), "--requests", str(requests or args.requests),
            "--warmup", str(warmup), "--max-seconds", str(max_seconds)]
    for h in headers:
        argv += ["--header", h]
    argv += targets
    out = subprocess.run(pin(CLIENT_CPU, argv), capture_output=True, text=True, timeout=900)
    if out.returncode != 0:
        raise QueryFailed((out.stderr.strip() or out.stdout.strip())[:300])
    return json.loads(out.stdout)


# ---- the other servers ----------------------------------------------------------------

def fetch_routes(port):
    """Strata's answers for every route: body, gzip body (or None), headers to mirror."""
    answers = {}
    for name, target, _ in ROUTES:
        status, headers, body = http_get(port, target)
        if status != 200:
            fail("strata answers %d to %s: %s" % (status, target, body[:300]))
        gz_status, gz_headers, gz_body = http_get(port, target, {"Accept-Encoding": "gzip"})
        if gz_status != 200:
            fail("strata answers %d to %s with gzip accepted" % (gz_status, target))
        if gz_headers.get("content-encoding") == "gzip":
            if gzip.decompress(gz_body) != body:
                fail("strata's gzip body of %s does not decompress to its plain body" % target)
        else:
            gz_body = None
        mirror = [(k, v) for k, v in headers.items() if k not in OWN_HEADERS]
        answers[name] = {"target": target, "body": body, "gzip": gz_body, "headers": mirror,
                         "content_type": headers.get("content-type", "application/json")}
    return answers


def fetch_records(port):
    """Every record of every collection, as Strata serves them (for json-server)."""
    db = {}
    for c in COLLECTIONS:
        records, offset = [], 0
        while True:
            status, _, body = http_get(port, "/v1/%s?limit=500&offset=%d" % (c, offset))
            if status != 200:
                fail("strata answers %d to /v1/%s" % (status, c))
            page = json.loads(body)
            records += page["data"]
            offset += len(page["data"])
            if not page["data"] or offset >= page["meta"]["total"]:
                break
        db[c] = records
    return db


def nginx_quote(value):
    return '"%s"' % value.replace("\\", "\\\\").replace('"', '\\"')


def write_nginx(out, port, answers):
    """nginx as a production site serves static files: sendfile and tcp_nopush on, one worker,
    no access log, open_file_cache, gzip_static for the .gz files. Each location sends
    Strata's Content-Type as its default_type (an empty types map, so no extension lookup and
    no charset filter: the old anchor added "; charset=utf-8" with `charset`), and the same
    extra headers Strata sends (add_header); nothing else runs per request."""
    www = out / "www"
    if www.exists():
        shutil.rmtree(www)
    www.mkdir(parents=True)
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (out / "nginx-tmp" / sub).mkdir(parents=True, exist_ok=True)
    locations = []
    for name, a in answers.items():
        (www / (name + ".json")).write_bytes(a["body"])
        if a["gzip"] is not None:
            (www / (name + ".json.gz")).write_bytes(a["gzip"])
        adds = ["default_type %s;" % nginx_quote(a["content_type"]),
                "add_header X-Request-Id $request_id always;"]
        adds += ["add_header %s %s always;" % (k, nginx_quote(v)) for k, v in a["headers"]]
        locations.append("    location = /%s.json {\n      %s\n    }" % (name, "\n      ".join(adds)))
    tmp = out / "nginx-tmp"
    conf = """worker_processes 1;
daemon off;
master_process on;
pid %(out)s/nginx.pid;
error_log %(out)s/nginx-error.log warn;
events { worker_connections 4096; use epoll; }
http {
  access_log off;
  server_tokens off;
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  keepalive_timeout 65;
  keepalive_requests 100000000;
  open_file_cache max=1000 inactive=60s;
  open_file_cache_valid 60s;
  client_body_temp_path %(tmp)s/body;
  proxy_temp_path %(tmp)s/proxy;
  fastcgi_temp_path %(tmp)s/fastcgi;
  uwsgi_temp_path %(tmp)s/uwsgi;
  scgi_temp_path %(tmp)s/scgi;
  types { }
  gzip off;
  gzip_static on;
  server {
    listen 127.0.0.1:%(port)d backlog=1024;
    root %(www)s;
%(locations)s
  }
}
""" % {"out": out, "tmp": tmp, "port": port, "www": www, "locations": "\n".join(locations)}
    path = out / "nginx.conf"
    path.write_text(conf)
    return path


def check_nginx_bytes(port, answers):
    """nginx must send the very bytes Strata sent, plain and gzip."""
    for name, a in answers.items():
        status, headers, body = http_get(port, "/%s.json" % name)
        if status != 200 or body != a["body"]:
            fail("nginx does not serve Strata's bytes for %s (status %d)" % (name, status))
        status, headers, body = http_get(port, "/%s.json" % name, {"Accept-Encoding": "gzip"})
        want = a["gzip"] if a["gzip"] is not None else a["body"]
        if status != 200 or body != want:
            fail("nginx does not serve Strata's gzip bytes for %s" % name)


def json_server_db(records, model):
    """The records, events given the ids of their layers (json-server filters on a field)."""
    layers_of = {}
    for layer in model["layers"]:
        for event in layer["events"]:
            layers_of.setdefault(event, []).append(layer["id"])
    db = dict(records)
    db["events"] = [dict(e, layers=layers_of.get(e["id"], [])) for e in records["events"]]
    return db


# ---- the runs ---------------------------------------------------------------------------

def cached_runs(args, servers, answers):
    """Alternating rounds of wrk against each server, every route and mode."""
    results = []
    for route, strata_target, js_target in ROUTES:
        for mode, headers in MODES:
            targets = {"strata": strata_target, "nginx": "/%s.json" % route,
                       "json-server": js_target, "variant": strata_target}
            order = [s for s in ("strata", "nginx", "json-server", "variant") if s in servers]
            runs = {s: [] for s in order}
            for s in order:  # warm-up: caches filled, connections established once
                run_wrk(args, servers[s], targets[s], headers, 1)
            for r in range(args.rounds):
                for s in order[r % len(order):] + order[:r % len(order)]:
                    runs[s].append(run_wrk(args, servers[s], targets[s], headers,
                                           args.duration))
            row = {"route": route, "mode": mode, "target": strata_target,
                   "servers": {s: summarise(runs[s], servers[s]) for s in order}}
            st = row["servers"]["strata"]["rps"]
            for name, base in (("vs_nginx", "nginx"), ("vs_json-server", "json-server"),
                               ("variant_vs_nginx", "nginx")):
                top = "variant" if name.startswith("variant") else "strata"
                if base in runs and top in runs:
                    # the ratio of each round (runs close in time), then the median
                    row[name] = statistics.median(a["rps"] / b["rps"] for a, b in
                                                  zip(runs[top], runs[base]))
            if "nginx" in runs:
                row["cpu_vs_nginx"] = (row["servers"]["nginx"]["cpu_us"] /
                                       max(1e-9, row["servers"]["strata"]["cpu_us"]))
            log("%-13s %-10s strata %8.0f  nginx %8.0f  json-server %7.0f req/s" % (
                route, mode, st, row["servers"].get("nginx", {}).get("rps", 0),
                row["servers"].get("json-server", {}).get("rps", 0)))
            results.append(row)
    return results


def uncached_runs(args, server):
    rows = []
    for route, target, _ in ROUTES:
        runs = [run_wrk(args, server, target, [], args.duration) for _ in range(args.rounds)]
        try:
            single = run_latency(args, server.port, [target])
        except QueryFailed as e:
            fail("uncached %s: %s" % (target, e))
        rows.append({"route": route, "target": target, "load": summarise(runs, server),
                     "single": single})
        log("uncached %-13s %8.0f req/s, one at a time p50 %.0f us p99 %.0f us" % (
            route, rows[-1]["load"]["rps"], single["p50_us"], single["p99_us"]))
    return rows


# Bodies from a few hundred bytes to a third of a megabyte, for the sendfile crossover.
SENDFILE_TARGETS = ["/v1/actors?limit=1&fields=id", "/v1/stats", "/v1/actors/russia?include=events",
                    "/v1/search?q=Taliban", "/v1/layers", "/v1/timeline", "/v1/actors",
                    "/openapi.json"]


def sendfile_runs(args):
    """Cached bodies sent from memory (--sendfile-min-bytes 0) vs from a memfd with sendfile
    (--sendfile-min-bytes 1), keep-alive, alternating rounds: where the crossover lies."""
    memory, _ = start_strata(args, ROOT / "data", True, "sendfile-memory",
                             extra=["--sendfile-min-bytes", "0"])
    files, _ = start_strata(args, ROOT / "data", True, "sendfile-file",
                            extra=["--sendfile-min-bytes", "1"])
    rows = []
    try:
        for target in SENDFILE_TARGETS:
            status, _, body = http_get(memory.port, target)
            if status != 200:
                fail("strata answers %d to %s" % (status, target))
            runs = {"memory": [], "file": []}
            servers = {"memory": memory, "file": files}
            for name, server in servers.items():
                run_wrk(args, server, target, [], 1)
            for r in range(args.rounds):
                for name in (("memory", "file") if r % 2 == 0 else ("file", "memory")):
                    runs[name].append(run_wrk(args, servers[name], target, [], args.duration))
            row = {"target": target, "bytes": len(body),
                   "memory": summarise(runs["memory"], memory),
                   "file": summarise(runs["file"], files),
                   "file_vs_memory": statistics.median(
                       f["rps"] / m["rps"] for f, m in zip(runs["file"], runs["memory"]))}
            log("sendfile %-40s %8d bytes: memory %6.1f us/req, sendfile %6.1f us/req, "
                "req/s ratio %.2fx" % (target, len(body), row["memory"]["cpu_us"],
                                       row["file"]["cpu_us"], row["file_vs_memory"]))
            rows.append(row)
    finally:
        memory.stop()
        files.stop()
    return rows


# ---- floods: the cache under one-off URLs and distinct headers ----------------------------

FLOOD_BUDGET = 8 << 20


def dashboard_universe(port):
    """The URLs the dashboard (examples/dashboard) asks for, in a fixed popularity order."""
    urls = ["/v1/stats", "/v1/timeline", "/v1/graph", "/v1/graph?type=actors,organizations",
            "/v1/graph?type=actors,organizations,events,layers,places", "/v1/article",
            "/v1/article?include=text"]
    for c in COLLECTIONS:
        urls += ["/v1/%s" % c, "/v1/%s?offset=50" % c]
    status, _, body = http_get(port, "/v1/actors?limit=500&fields=id")
    if status != 200:
        fail("strata answers %d to /v1/actors" % status)
    for a in json.loads(body)["data"]:
        urls += ["/v1/actors/%s" % a["id"], "/v1/actors/%s/events" % a["id"]]
    for q in ("Taliban", "Russia", "China", "security", "border", "water", "SCO", "Uzbekistan",
              "Tajikistan", "terrorism"):
        urls.append("/v1/search?q=%s" % q)
    order = list(range(len(urls)))
    seed = 12345
    for i in range(len(order) - 1, 0, -1):  # a fixed shuffle: popularity is not list order
        seed = (seed * 1103515245 + 12345) % (1 << 31)
        j = seed % (i + 1)
        order[i], order[j] = order[j], order[i]
    return [urls[i] for i in order]


def zipf_sequence(count, n, s=1.0, seed=7):
    """count ranks in [0, n) drawn from a Zipf(s) distribution (deterministic)."""
    weights = [1.0 / (k + 1) ** s for k in range(n)]
    total = sum(weights)
    cumulative, acc = [], 0.0
    for w in weights:
        acc += w / total
        cumulative.append(acc)
    out, x = [], seed
    for _ in range(count):
        x = (x * 6364136223846793005 + 1442695040888963407) % (1 << 64)
        u = (x >> 11) / float(1 << 53)
        lo, hi = 0, n - 1
        while lo < hi:
            mid = (lo + hi) // 2
            if cumulative[mid] < u:
                lo = mid + 1
            else:
                hi = mid
        out.append(lo)
    return out


def metric_values(port):
    status, _, body = http_get(port, "/metrics")
    if status != 200:
        fail("strata answers %d to /metrics" % status)
    values = {}
    for line in body.decode().splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            try:
                values[name] = float(value)
            except ValueError:
                pass
    return values


class Client:
    """One keep-alive connection."""

    def __init__(self, port):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def get(self, target, headers=None, must_succeed=True):
        self.conn.request("GET", target, headers=headers or {})
        resp = self.conn.getresponse()
        body = resp.read()
        if resp.status != 200 and must_succeed:
            fail("strata answers %d to %s" % (resp.status, target))
        return body

    def close(self):
        self.conn.close()


def one_off_urls():
    """Endless distinct valid URLs with large answers (pretty pages of every size)."""
    n = 0
    while True:
        k = n // 3
        yield ["/v1/relations?limit=%d&offset=%d&pretty=true" % (1 + k % 500, k // 500),
               "/v1/evidence?limit=%d&offset=%d&pretty=true" % (1 + k % 500, k // 500),
               "/v1/actors?limit=%d&offset=%d&pretty=true&include=events" % (1 + k % 50, k // 50)
               ][n % 3]
        n += 1


def zipf_hit_ratio(port, universe, ranks, interleave=None):
    """Hit ratio of the Zipf requests (a flood request between two when interleave is given)."""
    client = Client(port)
    before = metric_values(port)
    flooded = 0
    for r in ranks:
        client.get(universe[r])
        if interleave is not None:
            flooded += len(client.get(next(interleave), must_succeed=False))
    after = metric_values(port)
    client.close()
    hits = after['strata_cache_lookups_total{result="hit"}'] - \
        before['strata_cache_lookups_total{result="hit"}']
    return hits / len(ranks), flooded


def flood(port, budget):
    """One-off URLs until their answers add up to ten times the budget."""
    client, total, count = Client(port), 0, 0
    for target in one_off_urls():
        total += len(client.get(target, must_succeed=False))
        count += 1
        if total >= 10 * budget:
            break
    client.close()
    return count, total


ACCEPT_LUA = """
counter = 0
pad = string.rep("a", 8150)
request = function()
  counter = counter + 1
  return wrk.format("GET", nil, {["Accept"] = "application/json, text/x-" .. counter .. "-" ..
                                 pad .. ";q=0.5"})
end
"""


def flood_runs(args):
    """The Zipf workload of the dashboard flood-free, after a flood of one-off URLs ten times
    the cache budget, and with that flood interleaved; then 10 s of distinct 8 KB Accept
    headers at full speed (wrk) and the RSS they cost."""
    res = {"budget": FLOOD_BUDGET}
    # no request deadline: on a busy machine a 500-row pretty page may pass the default one
    budget_args = ["--cache-size", str(FLOOD_BUDGET), "--request-timeout", "0"]
    ranks = None
    for phase in ("flood-free", "after flood", "flood interleaved"):
        server, _ = start_strata(args, ROOT / "data", True, "flood", extra=budget_args)
        try:
            universe = dashboard_universe(server.port)
            if ranks is None:
                ranks = zipf_sequence(3000, len(universe))
            row = {"urls": len(universe), "requests": len(ranks)}
            if phase == "after flood":
                row["flood_requests"], row["flood_bytes"] = flood(server.port, FLOOD_BUDGET)
            interleave = one_off_urls() if phase == "flood interleaved" else None
            row["hit_ratio"], flooded = zipf_hit_ratio(server.port, universe, ranks, interleave)
            if interleave is not None:
                row["flood_requests"], row["flood_bytes"] = len(ranks), flooded
            m = metric_values(server.port)
            row["cache_bytes"] = m.get("strata_cache_bytes", 0)
            row["evictions"] = m.get("strata_cache_evictions_total", 0)
            row["rss_kb"] = server.rss_kb()
            res[phase] = row
            log("flood: %-18s hit ratio %.3f (%d Zipf requests over %d URLs), cache %.1f MB, "
                "%d evictions" % (phase, row["hit_ratio"], len(ranks), len(universe),
                                  row["cache_bytes"] / 1048576, row["evictions"]))
        finally:
            server.stop()
    server, _ = start_strata(args, ROOT / "data", True, "accept-flood")
    try:
        script = Path(args.out) / "accept.lua"
        script.write_text(ACCEPT_LUA)
        http_get(server.port, "/v1/layers")
        before = server.rss_kb()
        entries = metric_values(server.port).get("strata_cache_entries", 0)
        argv = ["wrk", "-t1", "-c32", "-d10s", "-s", str(script),
                "http://127.0.0.1:%d/v1/layers" % server.port]
        out = subprocess.run(pin(CLIENT_CPU, argv), capture_output=True, text=True, timeout=120)
        count = re.search(r"(\d+) requests in", out.stdout)
        m = metric_values(server.port)
        res["accept"] = {"requests": int(count.group(1)) if count else 0,
                         "rss_before_kb": before, "rss_after_kb": server.rss_kb(),
                         "entries_before": entries, "entries_after": m.get("strata_cache_entries"),
                         "cache_bytes": m.get("strata_cache_bytes", 0), "budget": 64 << 20}
        log("flood: %d requests with distinct 8 KB Accept headers in 10 s: RSS %.1f -> %.1f MB, "
            "entries %d -> %d" % (res["accept"]["requests"], before / 1024,
                                  res["accept"]["rss_after_kb"] / 1024, entries,
                                  res["accept"]["entries_after"]))
    finally:
        server.stop()
    return res


def startup_runs(args, data, count=5):
    times = []
    for i in range(count):
        server, seconds = start_strata(args, data, True, "startup")
        server.stop()
        times.append(seconds)
    return {"median_s": statistics.median(times), "min_s": min(times), "max_s": max(times),
            "runs": count}


def generated_model(args, scale):
    """The directory of the synthetic model of this scale (regenerated when stale)."""
    if scale == 1:
        return ROOT / "data"
    out = Path(args.out) / "models" / ("x%d" % scale)
    sources = [ROOT / "data" / "model.json", ROOT / "data" / "article.txt",
               ROOT / "tools" / "gen-model.py", ROOT / "api-spec" / "model.schema.json"]
    stamp = out / "model.json"
    if stamp.exists() and all(stamp.stat().st_mtime >= s.stat().st_mtime for s in sources):
        return out
    log("generating the %dx model in %s" % (scale, out))
    started = time.monotonic()
    subprocess.run([sys.executable, str(ROOT / "tools" / "gen-model.py"), "--scale", str(scale),
                    "--out", str(out)], check=True)
    log("generated in %.1f s" % (time.monotonic() - started))
    return out


def scale_queries(model, scale, count=60):
    """The query groups of the scale run, spread over the copies of the model."""
    layers = [layer["id"] for layer in model["layers"]]
    types = sorted({e["type"] for e in model["events"]})
    copies = [(k * 7919) % scale for k in range(count)]  # deterministic spread

    def sfx(k):
        return "" if k == 0 else "-v%d" % k
    evidence_total = None  # filled by the caller from meta.total
    return {
        "filtered (selective): events?layer=L&sort=-date":
            ["/v1/events?layer=%s%s&sort=-date" % (layers[i % len(layers)], sfx(k))
             for i, k in enumerate(copies)],
        "filtered (broad): events?type=T&sort=-date":
            ["/v1/events?type=%s&sort=-date" % types[i % len(types)] for i in range(count)],
        "sorted: actors?sort=-name":
            ["/v1/actors?sort=-name", "/v1/actors?sort=name", "/v1/actors?sort=kind,-name"],
        "paged (deep offsets): evidence?offset=N": evidence_total,
        "full-text (common term): search?q=Taliban": ["/v1/search?q=Taliban"],
        "full-text (two terms): search?q=Russia+security": ["/v1/search?q=Russia%20security"],
        "full-text in a collection: events?q=summit": ["/v1/events?q=summit"],
    }


def compile_model(args, data, scale):
    """--export-db of a model: (seconds, peak RSS kB, file bytes) of the compile."""
    target = Path(args.out) / "models" / ("x%d.strata" % scale)
    started = time.monotonic()
    proc = subprocess.Popen([args.strata, "--data", str(data), "--export-db", str(target)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.monotonic() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise StartFailed("--export-db failed: %s" % proc.stderr.read().decode()[-300:])
    return target, seconds, usage.ru_maxrss, target.stat().st_size


def scale_runs(args, model):
    rows = []
    for scale in args.scales:
        data = generated_model(args, scale)
        size = (data / "model.json").stat().st_size + (data / "article.txt").stat().st_size
        started = time.monotonic()
        try:
            compiled, compile_s, compile_peak, file_bytes = compile_model(args, data, scale)
            log("%5dx compiled in %.2f s (peak RSS %.0f MB), %.0f MB file" % (
                scale, compile_s, compile_peak / 1024, file_bytes / 1e6))
            starts = []
            for i in range(3):  # the first start of the file may read it from disk
                server, load_s = start_strata(args, compiled, False, "scale-%d" % scale,
                                              timeout=args.load_timeout)
                starts.append(load_s)
                if i < 2:
                    server.stop()
            load_s = statistics.median(starts)
        except StartFailed as e:
            log("%5dx: %s" % (scale, e))
            rows.append({"scale": scale, "bytes": size, "failed": str(e),
                         "seconds": time.monotonic() - started})
            continue
        try:
            after_load = server.rss_kb()
            peak_load = server.hwm_kb()
            status, _, body = http_get(server.port, "/v1/evidence?limit=1")
            if status != 200:
                fail("strata answers %d to /v1/evidence at %dx" % (status, scale))
            evidence = json.loads(body)["meta"]["total"]
            groups = scale_queries(model, scale)
            key = "paged (deep offsets): evidence?offset=N"
            groups[key] = ["/v1/evidence?offset=%d&limit=50" % ((i * 104729) % max(1, evidence - 50))
                           for i in range(60)]
            latencies = {}
            for name, targets in groups.items():
                try:
                    latencies[name] = run_latency(args, server.port, targets,
                                                  requests=args.scale_requests, warmup=5,
                                                  max_seconds=args.scale_seconds)
                except QueryFailed as e:
                    log("%5dx %s: %s" % (scale, name, e))
                    latencies[name] = {"failed": str(e)}
                    continue
                log("%5dx %-50s p50 %8.0f us  p99 %8.0f us" % (
                    scale, name, latencies[name]["p50_us"], latencies[name]["p99_us"]))
            rows.append({"scale": scale, "bytes": size, "evidence": evidence, "load_s": load_s,
                         "starts_s": starts, "compile_s": compile_s,
                         "compile_peak_kb": compile_peak, "file_bytes": file_bytes,
                         "rss_after_load_kb": after_load, "peak_rss_load_kb": peak_load,
                         "rss_after_queries_kb": server.rss_kb(), "hwm_kb": server.hwm_kb(),
                         "latency": latencies})
            log("%5dx started in %.0f ms, RSS %.0f MB after start, %.0f MB after the queries" % (
                scale, load_s * 1000, after_load / 1024, server.rss_kb() / 1024))
        finally:
            server.stop()
    return rows


# ---- the results file -------------------------------------------------------------------

def command_output(argv):
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=30)
        return (out.stdout + out.stderr).strip().splitlines()[0]
    except (OSError, IndexError, subprocess.TimeoutExpired):
        return "?"


def machine_facts(args):
    cpu = "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    js_version = "?"
    try:
        js_version = json.loads((BENCH / "node_modules" / "json-server" / "package.json")
                                .read_text())["version"]
    except (OSError, ValueError):
        pass
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu, "cores": os.cpu_count(), "kernel": platform.release(),
        "strata": command_output([args.strata, "--version"]),
        "commit": command_output(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"]),
        "dirty": command_output(["git", "-C", str(ROOT), "status", "--porcelain", "--",
                                 "server", "include"]) not in ("?", ""),
        "nginx": command_output(["nginx", "-v"]),
        "wrk": command_output(["wrk", "-v"]),
        "node": command_output(["node", "--version"]),
        "json_server": js_version,
    }


def fmt_rps(x):
    return "{:,.0f}".format(x)


def fmt_ms(x):
    return "%.2f" % x if x < 10 else "%.1f" % x


def fmt_us(x):
    return "{:,.0f}".format(x)


def fmt_mb(kb):
    return "%.1f" % (kb / 1024.0)


def verdict(ok):
    return "**holds**" if ok else "**does not hold**"


def scale_ok(s):
    return "failed" not in s


def worst_latency(s, prefixes):
    """(p99 us, query name) of the slowest query group starting with prefixes (inf if one failed)."""
    found = [(v.get("p99_us", float("inf")), k) for k, v in s["latency"].items()
             if k.startswith(prefixes)]
    return max(found) if found else (float("inf"), "none")


def targets(res):
    """[(target, measured, holds)] for the targets of issue 7."""
    rows = []
    cached = res.get("cached", [])

    def ratios(mode, key):
        return [r[key] for r in cached if r["mode"] == mode and key in r]
    for mode, label in (("keep-alive", "keep-alive"), ("close", "`Connection: close`"),
                        ("gzip", "keep-alive, gzip accepted")):
        vs = ratios(mode, "vs_nginx")
        if vs:
            rows.append(("cached >= 1.0x nginx static, %s (every route)" % label,
                         "%.2fx to %.2fx" % (min(vs), max(vs)), min(vs) >= 1.0))
    vs = ratios("keep-alive", "vs_json-server")
    if vs:
        rows.append(("cached >= 50x json-server, keep-alive (every route)",
                     "%.0fx to %.0fx" % (min(vs), max(vs)), min(vs) >= 50))
    fl = res.get("flood")
    if fl:
        free = fl["flood-free"]["hit_ratio"]
        for phase in ("after flood", "flood interleaved"):
            ratio = fl[phase]["hit_ratio"]
            rows.append(("Zipf hit ratio %s of one-off URLs 10x the cache budget: within 5 points "
                         "of flood-free" % ("after a flood" if phase == "after flood"
                                            else "during a flood"),
                         "%.1f%% vs %.1f%%" % (100 * ratio, 100 * free), ratio >= free - 0.05))
        a = fl["accept"]
        growth = (a["rss_after_kb"] - a["rss_before_kb"]) * 1024
        rows.append(("10 s of distinct 8 KB Accept headers: RSS grows <= cache budget + 10 MB",
                     "+%.1f MB (%s requests)" % (growth / 1048576.0, "{:,}".format(a["requests"])),
                     growth <= a["budget"] + 10 * 1048576))
    for r in res.get("uncached", []):
        if r["route"] == "filtered":
            p99 = r["single"]["p99_us"]
            rows.append(("uncached filtered query p99 < 1 ms (bundled model)",
                         "%s us" % fmt_us(p99), p99 < 1000))
    if res.get("strata_rss_kb"):
        rss = res["strata_rss_kb"]
        rows.append(("RSS serving the bundled model under load < 20 MB", "%s MB" % fmt_mb(rss),
                     rss < 20 * 1024))
    for s in res.get("scale", []):
        if s["scale"] != 1000:
            continue
        if not scale_ok(s):
            for name in ("compiles in <= 10 s, peak RSS <= 600 MB",
                         "from the compiled file: /readyz 200 in <= 100 ms, RSS <= 30 MB",
                         "uncached filtered/sorted/paged p99 <= 10 ms",
                         "full-text search p99 <= 20 ms"):
                rows.append(("1000x: " + name, "the model does not compile or start (below)",
                             False))
            continue
        rows.append(("1000x: compiles in <= 10 s, peak RSS <= 600 MB", "%.2f s, %s MB" % (
            s["compile_s"], fmt_mb(s["compile_peak_kb"])),
            s["compile_s"] <= 10 and s["compile_peak_kb"] <= 600 * 1024))
    for s in res.get("scale", []):
        if not scale_ok(s):
            continue
        rows.append(("%dx: from the compiled file, /readyz 200 in <= 100 ms, RSS after start "
                     "<= 30 MB" % s["scale"], "%.0f ms, %s MB (%s MB after the queries)" % (
                         s["load_s"] * 1000, fmt_mb(s["rss_after_load_kb"]),
                         fmt_mb(s["rss_after_queries_kb"])),
                     s["load_s"] <= 0.1 and s["rss_after_load_kb"] <= 30 * 1024))
        if s["scale"] != 1000:
            continue
        worst = worst_latency(s, ("filtered", "paged", "sorted"))
        rows.append(("1000x: uncached filtered/sorted/paged p99 <= 10 ms",
                     "worst %s us (%s)" % (fmt_us(worst[0]), worst[1].split(":")[0]),
                     worst[0] < 10000))
        worst = worst_latency(s, ("full-text",))
        rows.append(("1000x: full-text search p99 <= 20 ms",
                     "worst %s us (%s)" % (fmt_us(worst[0]), worst[1].split(":")[0]),
                     worst[0] < 20000))
    return rows


def render(args, res):
    m = res["machine"]
    lines = []
    w = lines.append
    w("# Benchmark results")
    w("")
    w("Written by `make bench` (bench/bench.py, issue 7); do not edit by hand: the analysis at "
      "the end comes from bench/ANALYSIS.md. Raw numbers of the run: bench/out/results.json.")
    w("")
    w("- Run: %s, %.0f s; Strata %s (commit %s%s)" % (
        m["date"], res.get("seconds", 0), m["strata"], m["commit"],
        ", with uncommitted changes in server/ or include/" if m["dirty"] else ""))
    w("- Command: `bench/bench.py %s`" % " ".join(res.get("argv", [])))
    w("- Machine: %s, %s cores, Linux %s; %s; %s; node %s, json-server %s" % (
        m["cpu"], m["cores"], m["kernel"], m["nginx"], m["wrk"].split(" Copyright")[0],
        m["node"], m["json_server"]))
    w("- Method: %s; wrk `-t1 -c%d`, %d rounds of %d s per server and case after a 1 s warm-up, "
      "the servers in a rotating order each round. req/s, p50 and p99 are medians over the "
      "rounds; a ratio is the median of the ratios of each round (runs close in time). CPU "
      "us/req is the server's own CPU time (user + system, from /proc) divided by the requests "
      "served: unlike req/s it barely moves when other work shares the machine. Strata runs with "
      "`--threads 1 --access-log false`, nginx with one worker and `access_log off`, json-server "
      "as one node process." % (
          "server pinned to CPU %s and wrk to CPU %s (taskset)" % (SERVER_CPU, CLIENT_CPU)
          if PINNED else "one core only: nothing pinned",
          args.connections, args.rounds, args.duration))
    if res.get("foreign_cpus") is not None:
        w("- Other load on the machine during the wrk runs (CPU time of processes other than "
          "the server and wrk, in CPUs): median %.2f, max %.2f. Above ~0.1 the req/s figures "
          "are disturbed; compare the CPU us/req columns then." % (
              res["foreign_cpus"], res["foreign_cpus_max"]))
    w("")
    w("## Targets")
    w("")
    w("| target | measured | verdict |")
    w("| --- | --- | --- |")
    for name, measured, ok in targets(res):
        w("| %s | %s | %s |" % (name, measured, verdict(ok)))
    w("")
    if res.get("cached"):
        w("## Cached responses: Strata vs nginx (same bytes) vs json-server")
        w("")
        w("Routes: collection `/v1/actors`; filtered `/v1/events?layer=layer-3-russia&sort=-date`; "
          "search `/v1/search?q=Taliban`; item-include `/v1/actors/russia?include=events`. "
          "nginx serves Strata's bytes for each (its `.gz` file through gzip_static when gzip is "
          "accepted) with the same extra response headers (CORS, Vary, Cache-Control, Link, "
          "X-Total-Count, a request id). json-server serves the same records: `/actors`, "
          "`/events?layers_like=layer-3-russia&_sort=date.start&_order=desc`, "
          "`/evidence?q=Taliban` (its q= searches one collection), `/actors/russia` (it has no "
          "include=); it gzips on the fly when asked.")
        w("")
        w("| route | mode | bytes | Strata req/s | p50 / p99 ms | CPU us/req | nginx req/s | "
          "p50 / p99 ms | CPU us/req | json-server req/s | p50 / p99 ms | Strata/nginx | "
          "Strata/json-server |")
        w("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | "
          "---: |")
        for r in res["cached"]:
            s = r["servers"]
            a = res["answers"][r["route"]]
            size = a["gzip_bytes"] if r["mode"] == "gzip" and a["gzip_bytes"] else a["bytes"]
            cells = [r["route"], r["mode"], "{:,}".format(size)]
            for name in ("strata", "nginx", "json-server"):
                x = s.get(name)
                if not x:
                    cells += ["-", "-"] + (["-"] if name != "json-server" else [])
                    continue
                cells += [fmt_rps(x["rps"]), "%s / %s" % (fmt_ms(x["p50_ms"]), fmt_ms(x["p99_ms"]))]
                if name != "json-server":
                    cells.append("%.1f" % x["cpu_us"])
            cells += ["%.2fx" % r["vs_nginx"] if "vs_nginx" in r else "-",
                      "%.0fx" % r["vs_json-server"] if "vs_json-server" in r else "-"]
            w("| " + " | ".join(cells) + " |")
        w("")
        peak = res.get("peak_rss", {})
        w("RSS (sampled every 0.25 s under load, highest value): Strata %s MB (its high-water "
          "mark, model loading included: %s MB), nginx worker %s MB, json-server %s MB. "
          "Errors (non-2xx, socket): %s." % (
              fmt_mb(res["strata_rss_kb"]), fmt_mb(res["strata_hwm_kb"]),
              fmt_mb(peak.get("nginx", 0)), fmt_mb(peak.get("json-server", 0)), res["errors"]))
        w("")
        if any("variant_vs_nginx" in r for r in res["cached"]):
            w("### The same rounds with a patched build (`--variant`)")
            w("")
            w("`%s` (%s) ran in the same rotation as the three servers above; it is not the "
              "committed code: bench/ANALYSIS.md says what it changes." % (
                  res["variant"]["path"], res["variant"]["label"]))
            w("")
            w("| route | mode | variant req/s | p50 / p99 ms | CPU us/req | variant/nginx | "
              "Strata (committed) CPU us/req | nginx CPU us/req |")
            w("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
            for r in res["cached"]:
                v = r["servers"].get("variant")
                if not v:
                    continue
                w("| %s | %s | %s | %s / %s | %.1f | %.2fx | %.1f | %.1f |" % (
                    r["route"], r["mode"], fmt_rps(v["rps"]), fmt_ms(v["p50_ms"]),
                    fmt_ms(v["p99_ms"]), v["cpu_us"], r["variant_vs_nginx"],
                    r["servers"]["strata"]["cpu_us"], r["servers"]["nginx"]["cpu_us"]))
            w("")
            vs = [r["variant_vs_nginx"] for r in res["cached"] if "variant_vs_nginx" in r]
            w("Variant/nginx over every route and mode: %.2fx to %.2fx; its RSS under load at "
              "most %s MB." % (min(vs), max(vs), fmt_mb(peak.get("variant", 0))))
            w("")
    if res.get("uncached"):
        w("## Uncached path (`--cache-size 0`)")
        w("")
        w("Every request parses, queries SQLite and renders. Under load: wrk as above, "
          "keep-alive. One at a time: bench/latency.c, one keep-alive connection, %d requests "
          "after 20 of warm-up, timed client-side from the first byte sent to the last byte "
          "received." % args.requests)
        w("")
        w("| route | under load req/s | p50 / p99 ms | CPU us/req | one at a time p50 us | p99 us | "
          "cached/uncached req/s |")
        w("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        for r in res["uncached"]:
            cached = next((c for c in res.get("cached", []) if c["route"] == r["route"] and
                           c["mode"] == "keep-alive"), None)
            ratio = "%.0fx" % (cached["servers"]["strata"]["rps"] / r["load"]["rps"]) \
                if cached else "-"
            w("| %s | %s | %s / %s | %s | %s | %s | %s |" % (
                r["route"], fmt_rps(r["load"]["rps"]), fmt_ms(r["load"]["p50_ms"]),
                fmt_ms(r["load"]["p99_ms"]), fmt_us(r["load"]["cpu_us"]),
                fmt_us(r["single"]["p50_us"]), fmt_us(r["single"]["p99_us"]), ratio))
        w("")
    if res.get("sendfile"):
        w("## Cached bodies: memory vs sendfile (the crossover of `--sendfile-min-bytes`)")
        w("")
        w("Two Strata, one keeping every cached body in memory (`--sendfile-min-bytes 0`: one "
          "sendmsg copies headers and body into the socket) and one keeping every body in a memfd "
          "(`--sendfile-min-bytes 1`: headers sent, then sendfile from the page cache), "
          "keep-alive, wrk as above in alternating rounds.")
        w("")
        w("| target | bytes | memory req/s | CPU us/req | sendfile req/s | CPU us/req | "
          "sendfile/memory req/s |")
        w("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        for r in res["sendfile"]:
            w("| `%s` | {:,} | %s | %.1f | %s | %.1f | %.2fx |".format(r["bytes"]) % (
                r["target"], fmt_rps(r["memory"]["rps"]), r["memory"]["cpu_us"],
                fmt_rps(r["file"]["rps"]), r["file"]["cpu_us"], r["file_vs_memory"]))
        w("")
    if res.get("flood"):
        fl = res["flood"]
        w("## The cache under floods")
        w("")
        w("A Zipf(1) workload of 3,000 requests over the %d URLs the dashboard "
          "(examples/dashboard) asks for (collections and their second pages, every actor and "
          "its events, timeline, graph, stats, article, ten searches), on a fresh Strata with "
          "`--cache-size %d` (%.0f MiB) each time: flood-free; after a flood of one-off URLs "
          "(pretty pages of every size) worth ten times the budget; and with one one-off URL "
          "between every two Zipf requests. Hit ratio from `/metrics` (every one-off URL is a "
          "miss)." % (fl["flood-free"]["urls"], fl["budget"], fl["budget"] / 1048576.0))
        w("")
        w("| phase | Zipf hit ratio | one-off URLs | their bytes MB | cache MB after | evictions | "
          "RSS MB |")
        w("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        for phase in ("flood-free", "after flood", "flood interleaved"):
            r = fl[phase]
            w("| %s | %.1f%% | %s | %s | %.1f | {:,} | %s |".format(int(r["evictions"])) % (
                phase, 100 * r["hit_ratio"], "{:,}".format(r.get("flood_requests", 0)),
                "%.1f" % (r.get("flood_bytes", 0) / 1048576.0), r["cache_bytes"] / 1048576.0,
                fmt_mb(r["rss_kb"])))
        w("")
        a = fl["accept"]
        w("Distinct headers: wrk sent %s requests in 10 s to `/v1/layers`, each with its own "
          "8 KB Accept header that negotiates JSON, to a Strata with the default budget: cache "
          "entries %d before, %d after; RSS %s MB before, %s MB after." % (
              "{:,}".format(a["requests"]), a["entries_before"], a["entries_after"],
              fmt_mb(a["rss_before_kb"]), fmt_mb(a["rss_after_kb"])))
        w("")
    if res.get("startup"):
        s = res["startup"]
        w("## Startup")
        w("")
        w("Bundled model, from exec to the first 200 of `/readyz`: median %.0f ms (min %.0f, max "
          "%.0f, %d starts)." % (s["median_s"] * 1000, s["min_s"] * 1000, s["max_s"] * 1000,
                                 s["runs"]))
        w("")
    if res.get("scale"):
        w("## Scale: synthetic models (tools/gen-model.py)")
        w("")
        w("N copies of the bundled model (ids suffixed, references kept inside each copy, the "
          "article repeated with a fifth of its words varied, evidence offsets that verify). "
          "Cache off, one request at a time (bench/latency.c, %d requests per query after 5 of "
          "warm-up, or as many as fit in %d s, marked `(n=...)`; the targets spread over the "
          "copies). Compile: `--export-db` (read, parse, validate, build, write the compiled "
          "file; wall time and peak RSS of that process). Start: `--data` the compiled file, exec "
          "to the first 200 of `/readyz` (median of 3 starts; the queries run on the third)." % (
              args.scale_requests, args.scale_seconds))
        w("")
        w("| model | files MB | evidence spans | compile s | compile peak RSS MB | compiled MB | "
          "start ms | RSS after start MB | RSS after queries MB |")
        w("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for s in res["scale"]:
            if not scale_ok(s):
                w("| %dx | %.1f | - | fails | %s | - | - | - | - |" % (
                    s["scale"], s["bytes"] / 1e6, s["failed"].replace("|", "\\|")))
                continue
            w("| %dx | %.1f | {:,} | %.2f | %s | %.0f | %.0f | %s | %s |".format(s["evidence"]) % (
                s["scale"], s["bytes"] / 1e6, s["compile_s"], fmt_mb(s["compile_peak_kb"]),
                s["file_bytes"] / 1e6, s["load_s"] * 1000, fmt_mb(s["rss_after_load_kb"]),
                fmt_mb(s["rss_after_queries_kb"])))
        w("")
        loaded = [s for s in res["scale"] if scale_ok(s)]
        if loaded:
            names = list(loaded[0]["latency"].keys())
            w("| query (p50 / p99 us) | " + " | ".join("%dx" % s["scale"] for s in loaded) + " |")
            w("| --- | " + " | ".join("---:" for _ in loaded) + " |")
            for n in names:
                cells = []
                for s in loaded:
                    v = s["latency"].get(n, {})
                    if "p50_us" not in v:
                        cells.append("fails: %s" % v.get("failed", "-")[:80])
                        continue
                    cells.append("%s / %s%s" % (
                        fmt_us(v["p50_us"]), fmt_us(v["p99_us"]),
                        " (n=%d)" % v["requests"] if v["requests"] < args.scale_requests else ""))
                w("| %s | %s |" % (n.replace("|", "\\|"), " | ".join(cells)))
            w("")
    search_cost = BENCH / "SEARCH-COST.md"  # bench/search_cost.py (make bench-search)
    if search_cost.exists():
        w(search_cost.read_text().rstrip())
        w("")
    analysis = BENCH / "ANALYSIS.md"
    if analysis.exists():
        w(analysis.read_text().rstrip())
        w("")
    return "\n".join(lines)


# ---- main -------------------------------------------------------------------------------

def main():
    parser = argparse.ArgumentParser(description="make bench: see the docstring of bench.py")
    parser.add_argument("--strata", required=True)
    parser.add_argument("--latency", required=True)
    parser.add_argument("--out", default=str(BENCH / "out"))
    parser.add_argument("--results", default=str(BENCH / "RESULTS.md"))
    parser.add_argument("--duration", type=int, default=2, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--requests", type=int, default=500,
                        help="single requests per route on the uncached path")
    parser.add_argument("--scale-requests", type=int, default=300,
                        help="single requests per query in the scale run")
    parser.add_argument("--scale-seconds", type=int, default=8,
                        help="at most this many seconds per query of the scale run (then fewer "
                        "requests are made; the table says how many)")
    parser.add_argument("--scales", default="1,100,1000")
    parser.add_argument("--skip", default="", help="comma list of parts to skip: "
                        "cached,json-server,uncached,sendfile,flood,startup,scale")
    parser.add_argument("--load-timeout", type=int, default=240,
                        help="seconds a scale model may take to load before it counts as failed")
    parser.add_argument("--variant", default="",
                        help="another strata binary (a proposed change) run in the same cached "
                        "rounds, reported in a table of its own")
    parser.add_argument("--variant-label", default="a patched build",
                        help="what --variant changes, for RESULTS.md")
    args = parser.parse_args()
    args.scales = [int(x) for x in args.scales.split(",") if x]
    skip = set(x for x in args.skip.split(",") if x)
    args.strata = str(Path(args.strata).resolve())
    args.latency = str(Path(args.latency).resolve())
    args.out = str(Path(args.out).resolve())
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for tool in ("wrk", "nginx", "node") + (("taskset",) if PINNED else ()):
        if not shutil.which(tool):
            fail("%s is not installed (make bench installs it: bench/bench.mk)" % tool)
    if not PINNED:
        log("warning: fewer than 2 cores: server and wrk share the CPU, ratios only")

    began = time.monotonic()
    model = json.loads((ROOT / "data" / "model.json").read_text(encoding="utf-8"))
    res = {"machine": machine_facts(args), "args": {k: v for k, v in vars(args).items()},
           "argv": [os.path.relpath(a, ROOT) if a.startswith("/") and os.path.exists(a) and
                    a.startswith(str(ROOT)) else a for a in sys.argv[1:]]}
    servers = {}
    try:
        run_parts(args, res, servers, model, skip)
    except StartFailed as e:
        fail(str(e))
    finally:
        for s in servers.values():
            s.stop()
    res["seconds"] = time.monotonic() - began
    (out / "results.json").write_text(json.dumps(res, indent=2))
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    (out / ("results-%s.json" % stamp)).write_text(json.dumps(res, indent=2))  # kept per run
    Path(args.results).write_text(render(args, res))
    log("wrote %s in %.0f s" % (args.results, res["seconds"]))
    for name, measured, ok in targets(res):
        log("%-55s %-40s %s" % (name, measured, "holds" if ok else "DOES NOT HOLD"))


def run_parts(args, res, servers, model, skip):
    out = Path(args.out)
    strata, _ = start_strata(args, ROOT / "data", True, "strata")
    servers["strata"] = strata
    answers = fetch_routes(strata.port)
    res["answers"] = {n: {"target": a["target"], "bytes": len(a["body"]),
                          "gzip_bytes": len(a["gzip"]) if a["gzip"] else 0}
                      for n, a in answers.items()}
    if "cached" not in skip:
        nginx_port = free_port()
        conf = write_nginx(out, nginx_port, answers)
        nginx = Server("nginx", ["nginx", "-c", str(conf), "-p", str(out)],
                       log_path=str(out / "nginx.log"))
        nginx.start()
        nginx.port = nginx_port
        servers["nginx"] = nginx
        wait_ready(nginx, nginx_port, "/collection.json", 30)
        check_nginx_bytes(nginx_port, answers)
        if "json-server" not in skip:
            db = json_server_db(fetch_records(strata.port), model)
            (out / "db.json").write_text(json.dumps(db, ensure_ascii=False))
            js_port = free_port()
            cli = BENCH / "node_modules" / "json-server" / "lib" / "cli" / "bin.js"
            if not cli.exists():
                fail("json-server is not installed: run `npm ci` in bench/ (make bench does)")
            js = Server("json-server", ["node", str(cli), "--port", str(js_port), "--host",
                                        "127.0.0.1", "--quiet", str(out / "db.json")],
                        log_path=str(out / "json-server.log"))
            js.start()
            js.port = js_port
            servers["json-server"] = js
            wait_ready(js, js_port, "/actors", 60)
            for _, _, target in ROUTES:
                status, _, body = http_get(js_port, target)
                if status != 200 or not json.loads(body):
                    fail("json-server answers %d (or nothing) to %s" % (status, target))
        if args.variant:
            variant, _ = start_strata(args, ROOT / "data", True, "variant",
                                      binary=str(Path(args.variant).resolve()))
            servers["variant"] = variant
            res["variant"] = {"path": args.variant, "label": args.variant_label}
            for name, target, _ in ROUTES:
                status, _, body = http_get(variant.port, target)
                if status != 200 or body != answers[name]["body"]:
                    fail("--variant does not answer %s with Strata's bytes" % target)
        log("cached runs: %d routes x %d modes x %d servers x %d rounds of %d s" % (
            len(ROUTES), len(MODES), len(servers), args.rounds, args.duration))
        res["cached"] = cached_runs(args, servers, answers)
        res["rss"] = {n: s.rss_kb() for n, s in servers.items()}
        res["peak_rss"] = {n: s.peak_rss_kb for n, s in servers.items()}
        foreign = [x["foreign_cpus"] for r in res["cached"] for x in r["servers"].values()]
        res["foreign_cpus"] = statistics.median(foreign)
        res["foreign_cpus_max"] = max(foreign)
        res["strata_rss_kb"] = strata.peak_rss_kb
        res["strata_hwm_kb"] = strata.hwm_kb()
        res["errors"] = sum(x["errors"] for r in res["cached"] for x in r["servers"].values())
    for name in ("nginx", "json-server", "variant"):
        if name in servers:
            servers.pop(name).stop()
    if "uncached" not in skip:
        uncached, _ = start_strata(args, ROOT / "data", False, "uncached")
        servers["uncached"] = uncached
        res["uncached"] = uncached_runs(args, uncached)
        servers.pop("uncached").stop()
    servers.pop("strata").stop()
    if "sendfile" not in skip:
        res["sendfile"] = sendfile_runs(args)
    if "flood" not in skip:
        res["flood"] = flood_runs(args)
    if "startup" not in skip:
        res["startup"] = startup_runs(args, ROOT / "data")
        log("startup: median %.0f ms" % (res["startup"]["median_s"] * 1000))
    if "scale" not in skip:
        res["scale"] = scale_runs(args, model)


if __name__ == "__main__":
    main()

"""Lesson page latency: in-process (Django test client) and over HTTP against gunicorn."""

from __future__ import annotations

import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.stats import percentile, summary_ms, time_calls

IN_PROCESS_REQUESTS = 300
HTTP_REQUESTS = 1000
# 2 connections = one per worker (latency without queueing); 8 = requests wait for a worker.
HTTP_CONCURRENCY = (2, 8)
GUNICORN_WORKERS = 2  # the machine has 2 cores
WRK_SECONDS = 10
# Shared by this process and gunicorn, so a session created here is valid there.
BENCH_SECRET_KEY = "bench-only-" + "k" * 60


def _use_scratch_database(db_path: Path) -> None:
    """Point Django at a scratch SQLite file so the bench never touches the developer's data."""
    from django.db import connections

    connections["default"].close()
    connections["default"].settings_dict["NAME"] = str(db_path)


def _prepare(db_path: Path) -> tuple[str, str]:
    """Migrate, load the real modules and a learner: (lesson path, session cookie)."""
    from django.conf import settings
    from django.core.management import call_command
    from django.db import transaction
    from django.test import Client

    from accounts.services import user_create
    from core.content import LoadReport
    from courses.loading import load_modules
    from courses.models import Lesson

    _use_scratch_database(db_path)
    settings.SECRET_KEY = BENCH_SECRET_KEY
    call_command("migrate", verbosity=0)
    report = LoadReport()
    with transaction.atomic():
        load_modules(Path(settings.CONTENT_ROOT), report)
    lessons = list(Lesson.objects.filter(published=True).select_related("module"))
    if not lessons:
        raise SystemExit("no published lessons in content/modules: nothing to benchmark")
    lesson = lessons[len(lessons) // 2]  # one in the middle: it has a previous and a next
    user = user_create(username="bench-learner", password="bench-password-123")
    client = Client()
    client.force_login(user)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    print(f"lesson: {lesson.get_absolute_url()}  ({len(lessons)} published lessons loaded)")
    return lesson.get_absolute_url(), cookie


def _in_process(url: str) -> None:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    # Measure what production runs: no DEBUG (no query log; hashed static names from the manifest).
    settings.DEBUG = False
    anonymous = Client(HTTP_HOST="127.0.0.1")
    learner = Client(HTTP_HOST="127.0.0.1")
    learner.force_login(get_user_model().objects.get(username="bench-learner"))
    for name, client in (("anonymous", anonymous), ("learner", learner)):
        assert client.get(url).status_code == 200
        samples = time_calls(lambda c=client: c.get(url), repeat=IN_PROCESS_REQUESTS)
        print(f"in-process, {name:9}: {summary_ms(samples)}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


ROOT = Path(__file__).resolve().parent.parent


def _server_env(db_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": BENCH_SECRET_KEY,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DATABASE_URL": f"sqlite:///{db_path}",
        "LOG_LEVEL": "WARNING",
    }


def _collectstatic(db_path: Path) -> None:
    """Production settings serve hashed static names: build the manifest (staticfiles/)."""
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=_server_env(db_path),
        check=True,
    )


def _start_gunicorn(db_path: Path, port: int) -> subprocess.Popen:
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    args = [gunicorn, "config.wsgi", "--bind", f"127.0.0.1:{port}"]
    args += ["--workers", str(GUNICORN_WORKERS), "--log-level", "warning"]
    process = subprocess.Popen(args, cwd=ROOT, env=_server_env(db_path))
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise SystemExit("gunicorn did not start within 20 s")


def _http_loop(port: int, url: str, cookie: str, concurrency: int) -> None:
    """A bounded Python load loop: `concurrency` keep-alive connections, HTTP_REQUESTS in all."""
    samples: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    per_thread = HTTP_REQUESTS // concurrency
    headers = {"Cookie": cookie, "Host": "127.0.0.1", "X-Forwarded-Proto": "https"}

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine: list[float] = []
        for _ in range(per_thread):
            started = time.perf_counter()
            conn.request("GET", url, headers=headers)
            response = conn.getresponse()
            response.read()
            mine.append((time.perf_counter() - started) * 1000)
            if response.status != 200:
                with lock:
                    errors.append(str(response.status))
        conn.close()
        with lock:
            samples.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    print(
        f"HTTP, python loop, {concurrency} connections, learner: {summary_ms(samples)}"
        f"  {len(samples) / elapsed:.0f} req/s  non-200: {len(errors)}"
    )
    print(f"   p90 {percentile(samples, 90):.3f} ms  max {max(samples):.3f} ms")


def _wrk(wrk: str, port: int, url: str, cookie: str, concurrency: int) -> None:
    done = subprocess.run(
        [
            *(wrk, "-t2", f"-c{concurrency}", f"-d{WRK_SECONDS}s", "--latency"),
            *("-H", f"Cookie: {cookie}", "-H", "X-Forwarded-Proto: https"),
            f"http://127.0.0.1:{port}{url}",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    p50 = re.search(r"^\s+50%\s+(\S+)", done.stdout, re.MULTILINE)
    p99 = re.search(r"^\s+99%\s+(\S+)", done.stdout, re.MULTILINE)
    rate = re.search(r"Requests/sec:\s+(\S+)", done.stdout)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", done.stdout)
    if not (p50 and p99 and rate):
        print(f"HTTP, wrk: could not parse its output:\n{done.stdout}{done.stderr}")
        return
    print(
        f"HTTP, wrk {WRK_SECONDS} s, {concurrency} connections, learner: "
        f"p50 {p50.group(1)}  p99 {p99.group(1)}  {rate.group(1)} req/s"
        f"  non-2xx: {bad.group(1) if bad else 0}"
    )


def main() -> None:
    """Print lesson-page latency figures."""
    with tempfile.TemporaryDirectory(prefix="bench-lessons-") as tmp:
        db_path = Path(tmp) / "bench.sqlite3"
        url, cookie = _prepare(db_path)
        _collectstatic(db_path)
        _in_process(url)
        port = _free_port()
        server = _start_gunicorn(db_path, port)
        try:
            print(f"gunicorn: {GUNICORN_WORKERS} sync workers on 127.0.0.1:{port}, SQLite (WAL)")
            wrk = shutil.which("wrk")
            if wrk is None:
                print("wrk is not installed (apt-get install wrk): using a Python load loop")
            for concurrency in HTTP_CONCURRENCY:
                if wrk:
                    _wrk(wrk, port, url, cookie, concurrency)
                else:
                    _http_loop(port, url, cookie, concurrency)
        finally:
            server.terminate()
            server.wait(timeout=20)

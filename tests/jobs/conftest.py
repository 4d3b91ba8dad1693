"""Fixtures for background work: the test SMTP server, a real redis-server and real
Celery workers on loopback."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def sink(smtp_sink):
    """The shared test SMTP server (:class:`tests.conftest.SmtpSink`)."""
    return smtp_sink


@pytest.fixture(scope="session")
def redis_url():
    """A throwaway redis-server (Debian's package; ``make test`` installs it)."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is not installed (Debian: apt-get install redis-server; make test installs it)")
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2) as conn:
                conn.sendall(b"PING\r\n")
                if conn.recv(16).startswith(b"+PONG"):
                    break
        except OSError:
            time.sleep(0.05)
    else:
        process.kill()
        pytest.fail("redis-server did not start")
    yield f"redis://127.0.0.1:{port}/0"
    process.terminate()
    process.wait(10)


class Workers:
    """Real ``celery worker`` processes on the test's database and Redis."""

    def __init__(self, env: dict, folder: Path):
        self.env, self.folder = env, folder
        self.processes: list[subprocess.Popen] = []

    def start(self, name: str) -> subprocess.Popen:
        log = open(self.folder / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "kampus.jobs.worker",
                "worker",
                "--pool=solo",
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
                "-n",
                f"{name}@%h",
                "-l",
                "info",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.processes.append(process)
        return process

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture
def workers(tmp_path, redis_url, sink):
    """Start workers with ``workers.start(name)``; they share the app's database URL (``workers.env``)."""
    env = {
        **os.environ,
        "KAMPUS_ENV": "development",
        "SECRET_KEY": "test-secret-key-for-the-worker-processes-0123456789",
        "KAMPUS_REDIS_URL": redis_url,
        "KAMPUS_MAIL_SERVER": "127.0.0.1",
        "KAMPUS_MAIL_PORT": str(sink.port),
        "KAMPUS_OUTBOX_LEASE_SECONDS": "3",
        "KAMPUS_INSTANCE_PATH": str(tmp_path),
        "PYTHONPATH": str(ROOT),
    }
    pool = Workers(env, tmp_path)
    yield pool
    pool.stop_all()

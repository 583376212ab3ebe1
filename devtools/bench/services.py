"""The processes under test: real `auth-server serve` and `resource-server serve` on free
loopback ports, the bench app, their databases; every one stopped with SIGTERM at the end."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
READY_TIMEOUT = 60.0
STOP_TIMEOUT = 40.0
# What a service's CLI says when it cannot run N workers yet.
NO_WORKERS = "--workers"


class ServiceFailed(RuntimeError):
    """A process exited before it was ready, or never became ready."""


_GIVEN: set[int] = set()


def free_port() -> int:
    """A loopback port nobody listens on now, and never one this process gave before.

    The kernel may hand out a just-released port again, so two calls in a row could name the
    same port and the second server would fail to bind while the first answered its probes."""
    while True:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port: int = probe.getsockname()[1]
        if port not in _GIVEN:
            _GIVEN.add(port)
            return port


@dataclass(frozen=True, slots=True)
class Service:
    """One started process: what it is, where it answers, its log file."""

    name: str
    url: str
    process: subprocess.Popen[bytes]
    log: Path
    launcher: str
    workers: int = 1


def log_tail(path: Path, lines: int = 15) -> str:
    """The end of a process's log, to say why it failed."""
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def ready_status(url: str) -> int | None:
    """The status `url` answers with, or None when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback
            status: int = response.status
            return status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return None


@dataclass
class Supervisor:
    """Starts processes in their own sessions (a terminal's Ctrl-C reaches only the bench),
    remembers each, and stops them all with SIGTERM, the newest first. With `always_launch`,
    services run through shared.serve.run rather than their CLIs."""

    workdir: Path
    always_launch: bool = False
    services: list[Service] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    _cli_workers: dict[str, bool] = field(default_factory=dict)

    def start(
        self,
        name: str,
        command: list[str],
        env: dict[str, str],
        url: str,
        *,
        launcher: str = "",
        workers: int = 1,
    ) -> Service:
        """Start `command`, wait for `url`/readyz to answer 200."""
        log = self.workdir / f"{name}-{len(self.services)}.log"
        with log.open("wb") as sink:
            process = subprocess.Popen(
                command, env=env, cwd=ROOT, stdout=sink, stderr=sink, start_new_session=True
            )
        service = Service(name, url, process, log, launcher or " ".join(command[2:4]), workers)
        self.services.append(service)
        self._wait_ready(service)
        return service

    def start_service(self, package: str, workers: int, env: dict[str, str], url: str) -> Service:
        """`python -m PACKAGE serve --workers N`; when that CLI refuses N workers, the same app
        through `shared.serve.run` (devtools.bench.launch), and a note saying so."""
        serve = [sys.executable, "-m", package, "serve", "--workers", str(workers)]
        launch = [sys.executable, "-m", "devtools.bench.launch", package, "--workers", str(workers)]
        name = f"{package}-w{workers}"
        if not self.always_launch and (workers == 1 or self._cli_workers.get(package, True)):
            try:
                return self.start(
                    name, serve, env, url, launcher=f"{package} serve", workers=workers
                )
            except ServiceFailed as exc:
                if workers == 1 or NO_WORKERS not in str(exc):
                    raise
                self._cli_workers[package] = False
                self.notes.append(
                    f"`{package} serve --workers {workers}` refused ({str(exc).splitlines()[-1]})"
                    f"; ran create_app through shared.serve.run instead (devtools.bench.launch)"
                )
        return self.start(name, launch, env, url, launcher="shared.serve.run", workers=workers)

    @contextlib.contextmanager
    def running(
        self, name: str, command: list[str], env: dict[str, str], url: str, workers: int = 1
    ) -> Iterator[Service]:
        """`start`, then `stop` however the block ends."""
        service = self.start(name, command, env, url, launcher="bench app", workers=workers)
        try:
            yield service
        finally:
            self.stop(service)

    @contextlib.contextmanager
    def running_default(
        self, package: str, env: dict[str, str], url: str, workers: int
    ) -> Iterator[Service]:
        """`python -m PACKAGE serve` with no flags, as a user starts it (`workers`: what it
        will run, for the table); stopped however the block ends."""
        command = [sys.executable, "-m", package, "serve"]
        name = f"{package}-default"
        service = self.start(name, command, env, url, launcher=f"{package} serve", workers=workers)
        try:
            yield service
        finally:
            self.stop(service)

    @contextlib.contextmanager
    def running_service(
        self, package: str, workers: int, env: dict[str, str], url: str
    ) -> Iterator[Service]:
        """`start_service`, then `stop` however the block ends."""
        service = self.start_service(package, workers, env, url)
        try:
            yield service
        finally:
            self.stop(service)

    def _wait_ready(self, service: Service) -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if service.process.poll() is not None:
                self.services.remove(service)
                raise ServiceFailed(
                    f"{service.name} exited with status {service.process.returncode}:\n"
                    + log_tail(service.log)
                )
            if ready_status(f"{service.url}/readyz") == 200:
                return
            time.sleep(0.1)
        self.stop(service)
        raise ServiceFailed(f"{service.name} not ready within {READY_TIMEOUT:.0f} s")

    def stop(self, service: Service) -> None:
        """SIGTERM one process, wait for it to drain; kill it if it will not stop."""
        if service in self.services:
            self.services.remove(service)
        if service.process.poll() is None:
            service.process.send_signal(signal.SIGTERM)
        try:
            service.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            service.process.kill()
            service.process.wait()

    def stop_all(self) -> None:
        """Stop every process still running, the newest first."""
        for service in reversed(list(self.services)):
            self.stop(service)

    def pids(self, service: Service) -> list[int]:
        """The process and its workers (its children)."""
        return [service.process.pid, *children(service.process.pid)]


def children(pid: int) -> list[int]:
    """The direct children of a process, from /proc."""
    found: list[int] = []
    task_dir = Path(f"/proc/{pid}/task")
    for task in task_dir.glob("*") if task_dir.exists() else ():
        with_children = task / "children"
        if with_children.exists():
            found += [int(p) for p in with_children.read_text().split()]
    return found


def uses_uvloop(pids: list[int]) -> bool:
    """Whether uvloop's extension is loaded in one of these processes (the serving ones)."""
    for pid in pids:
        try:
            if "uvloop" in Path(f"/proc/{pid}/maps").read_text():
                return True
        except OSError:
            continue
    return False


def python_env(**extra: str) -> dict[str, str]:
    """This environment with the repository importable and the given variables set."""
    env = {**os.environ, **extra}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    return env

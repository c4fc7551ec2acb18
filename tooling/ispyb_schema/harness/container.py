# SPDX-License-Identifier: LGPL-3.0-or-later
"""A throwaway MariaDB container, through testcontainers, on whichever Docker engine answers
(``DOCKER_HOST`` honoured, else the default socket).

Image: ``ISPYB_SCHEMA_MARIADB_IMAGE`` when set; otherwise the official ``mariadb:10.11`` when the
engine has it or can pull it, else the local build ``ispyb-schema/mariadb:10.11`` (same interface,
made from Debian's packages by ``image/build.sh``; built here when missing, if this process may).

Network: with ``ISPYB_SCHEMA_DOCKER_NETWORK=host`` (the default on an engine without a bridge
network) the container shares the host's network and its server listens on a free 127.0.0.1
port (no traffic leaves the loopback); otherwise (``published``) its port 3306 is published on a
free host port, as testcontainers does by default.

Cleanup: testcontainers' reaper container (Ryuk) is off unless ``TESTCONTAINERS_RYUK_DISABLED``
says otherwise, since it cannot be pulled without a registry. We remove our containers ourselves:
on close, at interpreter exit, on SIGTERM/SIGHUP (see :mod:`.cleanup`), after a failed start; and
containers whose owning process died without cleanup (SIGKILL) are removed at the next start,
found by their owner label.
"""
from __future__ import annotations

import logging
import os
import re
import socket
import subprocess
from pathlib import Path

from ..errors import EnvironmentProblem
from . import cleanup
from .local import _FAST_SETTINGS, _free_port

IMAGE_ENV = "ISPYB_SCHEMA_MARIADB_IMAGE"
NETWORK_ENV = "ISPYB_SCHEMA_DOCKER_NETWORK"
OFFICIAL_IMAGE = "mariadb:10.11"
LOCAL_IMAGE = "ispyb-schema/mariadb:10.11"
BUILD_SCRIPT = Path(__file__).with_name("image") / "build.sh"
ROOT_PASSWORD = "ispyb-scratch"  # a throwaway server reachable only on the loopback or its mapped port
OWNER_LABEL = "org.ispyb-schema.owner"  # host:pid:start-time of the process that started the container
_ADDRESS_IN_USE = "Address already in use"
_BUILD_HINT = (
    f"build the local image from Debian's packages with `sudo {BUILD_SCRIPT}` (needs debootstrap and "
    f"a Docker engine), or set {IMAGE_ENV} to an image with the official mariadb image's interface"
)

log = logging.getLogger("ispyb_schema.harness")

# The packages the container path needs and the rest of the tool does not: only their absence is a refusal.
_OPTIONAL_PACKAGES = ("docker", "testcontainers")


class Engine:
    """The Docker engine that answered: a docker-py client and how to describe it."""

    def __init__(self, client, where: str) -> None:
        self.client = client
        self.where = where
        self.version = client.version().get("Version", "?")

    def describe(self) -> str:
        return f"Docker {self.version} at {self.where}"


def engine(timeout: float = 30.0) -> Engine:
    """The engine at ``DOCKER_HOST`` (or the default socket), or EnvironmentProblem saying why not."""
    try:
        import docker
        from testcontainers.core.docker_client import get_docker_host
    except ModuleNotFoundError as exc:
        package = (exc.name or "").partition(".")[0]
        if package not in _OPTIONAL_PACKAGES:
            raise  # a broken install of something else is a failure, not a refusal
        raise EnvironmentProblem(
            f"{package} is not installed: the container path needs testcontainers (pip install 'ispyb-schema[docker]')"
        ) from None
    where = get_docker_host() or os.environ.get("DOCKER_HOST") or "the default socket"
    try:
        client = docker.from_env(timeout=timeout)
        client.ping()
        return Engine(client, where)
    except Exception as exc:  # the SDK raises DockerException, requests and OS errors alike
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise EnvironmentProblem(
            f"no Docker engine answered at {where} ({reason}); start one (dockerd) or set DOCKER_HOST to its socket"
        ) from None


def docker_problem() -> str | None:
    """Why the Docker path cannot be used here, or None when an engine answers."""
    try:
        engine().client.close()
    except EnvironmentProblem as exc:
        return str(exc)
    return None


def network_mode(eng: Engine | None = None) -> str:
    """``"host"`` or ``"published"``: ``ISPYB_SCHEMA_DOCKER_NETWORK``, else what *eng* can do."""
    mode = os.environ.get(NETWORK_ENV, "").strip()
    if mode not in ("", "host", "published"):
        raise EnvironmentProblem(f"{NETWORK_ENV}={mode!r}: expected 'host' or 'published' (or unset)")
    if not mode and eng is not None:  # an engine without a bridge network (dockerd --bridge=none) cannot publish
        mode = "published" if eng.client.networks.list(names=["bridge"]) else "host"
    return mode or "published"


def resolve_image(eng: Engine) -> tuple[str, str]:
    """The image to run and where it came from; pulls, or builds the local image, when needed."""
    wanted = os.environ.get(IMAGE_ENV, "").strip()
    if wanted:
        if _present(eng, wanted):
            return wanted, f"from {IMAGE_ENV}"
        if wanted == LOCAL_IMAGE:  # never on a registry: build it
            return LOCAL_IMAGE, _build(f"{LOCAL_IMAGE} (from {IMAGE_ENV}) is not on the engine", eng)
        why = _pull(eng, wanted)
        if why is None:
            return wanted, f"from {IMAGE_ENV}, pulled"
        raise EnvironmentProblem(f"image {wanted} (from {IMAGE_ENV}) is not on the engine and cannot be pulled ({why})")
    if _present(eng, OFFICIAL_IMAGE):
        return OFFICIAL_IMAGE, "official image"
    if _present(eng, LOCAL_IMAGE):
        return LOCAL_IMAGE, "local build from Debian packages"
    why = _pull(eng, OFFICIAL_IMAGE)
    if why is None:
        return OFFICIAL_IMAGE, "official image, pulled"
    return LOCAL_IMAGE, _build(f"neither {OFFICIAL_IMAGE} nor {LOCAL_IMAGE} is on the engine, and {OFFICIAL_IMAGE} "
                               f"cannot be pulled ({why})", eng)


def _present(eng: Engine, image: str) -> bool:
    import docker

    try:
        eng.client.images.get(image)
        return True
    except docker.errors.ImageNotFound:
        return False


def _pull(eng: Engine, image: str) -> str | None:
    """None once pulled, else the reason (first line of the engine's answer)."""
    log.info("pulling %s", image)
    try:
        eng.client.images.pull(image)
        return None
    except Exception as exc:
        return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def _build(why: str, eng: Engine) -> str:
    """Build LOCAL_IMAGE with the recipe, or raise EnvironmentProblem saying why it cannot be."""
    if os.geteuid() != 0:
        raise EnvironmentProblem(f"{why}; building it here needs root: {_BUILD_HINT}")
    log.warning("building %s from Debian packages (once; about a minute)", LOCAL_IMAGE)
    env = dict(os.environ)
    if "://" in eng.where:  # the engine that answered, also when found through a Docker context
        env["DOCKER_HOST"] = eng.where
    done = subprocess.run([str(BUILD_SCRIPT), LOCAL_IMAGE], env=env, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True)
    if done.returncode:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-5:])
        raise EnvironmentProblem(f"{why}, and building {LOCAL_IMAGE} failed:\n{tail}")
    return "local build from Debian packages, built now"


class RunningContainer:
    """A started MariaDB container: where to reach it, what it runs, and how to remove it."""

    def __init__(self, container, host: str, port: int, image: str, origin: str) -> None:
        self.container = container
        self.host, self.port, self.image, self.origin = host, port, image, origin
        self.id = container.get_container_id()
        self.owner_pid = os.getpid()
        self._removed = False

    def stop(self) -> None:
        """Remove the container (and its volume). Idempotent."""
        cleanup.forget(self)
        if not self._removed:
            self._removed = True
            _remove(self.container)


def start() -> RunningContainer:
    """Start a MariaDB container and wait until it is ready; EnvironmentProblem with the reason if not."""
    network_mode()  # a bad setting is refused before anything starts
    eng = engine()  # first: it says why when the container path's packages are missing
    try:
        _reaper_off_unless_asked()
        mode = network_mode(eng)
        _remove_orphans(eng)
        image, provenance = resolve_image(eng)
        for _attempt in range(3):  # in host mode, another process may take the free port first
            try:
                return _start_once(image, mode, f"{provenance}; engine {eng.describe()}")
            except _PortTaken as taken:
                last = taken
        raise EnvironmentProblem(f"container MariaDB could not listen: {last}")
    finally:
        eng.client.close()


class _PortTaken(Exception):
    pass


def _start_once(image: str, mode: str, origin: str) -> RunningContainer:
    port = _free_port() if mode == "host" else 3306
    container = _mariadb_container()(image, username="root", password=ROOT_PASSWORD, dbname="ispyb_scratch", port=port)
    container.with_env("MARIADB_INITDB_SKIP_TZINFO", "1")
    options = list(_FAST_SETTINGS)
    labels = {OWNER_LABEL: _owner()}
    if mode == "host":
        container.ports = {}  # nothing to publish: the server binds the host's loopback itself
        container.with_kwargs(network_mode="host", labels=labels)
        options += [f"--port={port}", "--bind-address=127.0.0.1"]
    else:
        container.with_kwargs(labels=labels)
    container.with_command(options)
    try:
        container.start()
    except BaseException as exc:
        logs = _logs(container)
        _remove(container)
        if isinstance(exc, Exception):
            if mode == "host" and _ADDRESS_IN_USE in logs:
                raise _PortTaken(f"port {port} on 127.0.0.1 is taken:\n{_tail(logs)}") from None
            raise EnvironmentProblem(f"the container from {image} did not become ready ({_why(exc)}); "
                                     f"last lines of its log:\n{_tail(logs)}") from None
        raise
    try:
        if mode == "host":
            host = "127.0.0.1"
        else:
            host, port = container.get_container_host_ip(), int(container.get_exposed_port(3306))
        running = RunningContainer(
            container, host, port, image,
            f"image {image}, {origin}; container {container.get_container_id()[:12]}, {mode} network",
        )
    except BaseException:
        _remove(container)
        raise
    cleanup.track(running)
    return running


def _mariadb_container():
    """testcontainers' MySQL/MariaDB module, watching the log every 0.1 s instead of every second."""
    from testcontainers.community.mysql import MySqlContainer
    from testcontainers.core.wait_strategies import LogMessageWaitStrategy

    class MariaDbContainer(MySqlContainer):
        def _connect(self) -> None:
            ready = re.compile(self.wait_strategy_check_string, flags=re.DOTALL | re.MULTILINE)
            LogMessageWaitStrategy(ready).with_poll_interval(0.1).with_startup_timeout(180).wait_until_ready(self)

    return MariaDbContainer


def _reaper_off_unless_asked() -> None:
    from testcontainers.core.config import testcontainers_config

    if "TESTCONTAINERS_RYUK_DISABLED" not in os.environ:
        testcontainers_config.ryuk_disabled = True


def _owner(pid: int | None = None) -> str:
    pid = pid or os.getpid()
    return f"{socket.gethostname()}:{pid}:{_start_time(pid)}"


def _start_time(pid: int) -> str:
    """The process's start time in clock ticks since boot (tells a live owner from a reused pid)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return "?"


def _remove_orphans(eng: Engine) -> None:
    """Remove containers we labelled whose owning process on this host is gone."""
    here = socket.gethostname()
    for found in eng.client.containers.list(all=True, filters={"label": OWNER_LABEL}):
        host, _, rest = found.labels.get(OWNER_LABEL, "").partition(":")
        pid, _, started = rest.partition(":")
        if host != here or not pid.isdigit() or started == "?":
            continue  # another machine's, or an owner we cannot check: never ours to judge
        if _start_time(int(pid)) != started:
            log.info("removing container %s left by process %s", found.short_id, pid)
            _remove(found)


def _remove(container) -> None:
    """Remove a container (a testcontainers object or a docker-py one) with its volumes."""
    try:
        if hasattr(container, "get_wrapped_container"):  # testcontainers' stop() removes it
            container.stop()
        else:
            container.remove(force=True, v=True)
    except Exception as exc:  # already gone, or the engine went away: say so, never raise from cleanup
        if "No such container" not in str(exc) and "is already in progress" not in str(exc):
            log.warning("could not remove container: %s", exc)


def _why(exc: Exception) -> str:
    """A short reason for a failed start: the exit code, or the error's first line."""
    if "Container exited" in str(exc):
        code = re.search(r"exit code: (-?\d+)", str(exc))
        return f"it exited with code {code.group(1) if code else '?'}"
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def _logs(container) -> str:
    try:
        out, err = container.get_logs()
        return (out + err).decode(errors="replace")
    except Exception:
        return ""


def _tail(text: str, lines: int = 15) -> str:
    return "\n".join(text.strip().splitlines()[-lines:]) or "(no log)"

# SPDX-License-Identifier: LGPL-3.0-or-later
"""A throwaway MariaDB in Docker, through testcontainers (its Ryuk reaper removes it if we die)."""
from __future__ import annotations

import os

IMAGE_ENV = "ISPYB_SCHEMA_MARIADB_IMAGE"
DEFAULT_IMAGE = "mariadb:10.11"
ROOT_PASSWORD = "ispyb-scratch"  # a throwaway container reachable only through its mapped port
_SERVER_OPTIONS = [
    "--character-set-server=utf8mb4",
    "--collation-server=utf8mb4_general_ci",
    "--innodb-flush-log-at-trx-commit=2",
    "--skip-log-bin",
]


def image() -> str:
    return os.environ.get(IMAGE_ENV, DEFAULT_IMAGE)


def docker_problem(timeout: float = 3.0) -> str | None:
    """Why the Docker path cannot be used, or None when a Docker engine answers a ping."""
    try:
        import docker
        from testcontainers.core.docker_client import get_docker_host
    except ImportError:
        return "testcontainers is not installed (pip install 'ispyb-schema[docker]')"
    try:
        host = get_docker_host()
        client = docker.DockerClient(base_url=host, timeout=timeout) if host else docker.from_env(timeout=timeout)
        try:
            client.ping()
        finally:
            client.close()
    except Exception as exc:  # the SDK raises DockerException, requests and OS errors alike
        return f"no Docker engine answered ({str(exc).splitlines()[0] if str(exc) else type(exc).__name__})"
    return None


def start_container():
    """Start a MariaDB container and wait until it is ready; returns the testcontainers object."""
    try:
        from testcontainers.community.mysql import MySqlContainer
    except ImportError:  # testcontainers before the "community" layout
        from testcontainers.mysql import MySqlContainer

    container = MySqlContainer(image(), username="root", password=ROOT_PASSWORD, dbname="ispyb_scratch")
    container.with_command(_SERVER_OPTIONS)
    try:
        return container.start()
    except BaseException:
        container.stop()
        raise


def mapped_address(container) -> tuple[str, int]:
    """Host and port at which the container's MariaDB is reachable from here."""
    return container.get_container_host_ip(), int(container.get_exposed_port(3306))

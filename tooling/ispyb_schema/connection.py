# SPDX-License-Identifier: LGPL-3.0-or-later
"""Every connection to a MariaDB server is opened here, with one TLS decision per server.

PyMySQL and the mariadb client negotiate TLS whenever the server offers it, which costs about
50 ms per connection. The decision is made once from the server's address and URL:

- a loopback address or a unix socket: off (nothing to protect on the wire);
- the URL asks for it: ``?ssl=1`` / ``?ssl=0``, ``?ssl-mode=DISABLED|PREFERRED|REQUIRED|
  VERIFY_CA|VERIFY_IDENTITY`` (``?ssl_mode=`` too), ``?ssl-ca=/path/ca.pem`` (implies VERIFY_CA);
- any other host: TLS when the server offers it (PREFERRED), as the drivers do by default.
"""
from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import parse_qs

from .errors import InputError, SourceLoc

MODES = ("DISABLED", "PREFERRED", "REQUIRED", "VERIFY_CA", "VERIFY_IDENTITY")
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


@dataclass(frozen=True)
class Tls:
    mode: str = "PREFERRED"  # one of MODES
    ca: str | None = None

    def pymysql_options(self) -> dict:
        """Keyword arguments for ``pymysql.connect``."""
        if self.mode == "DISABLED":
            return {"ssl_disabled": True}
        if self.mode == "PREFERRED":
            return {}
        if self.mode == "REQUIRED":  # encrypted, certificate not checked (as the clients do)
            import ssl

            context = ssl.create_default_context(cafile=self.ca)
            context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
            return {"ssl": context}
        return {"ssl_ca": self.ca, "ssl_verify_cert": True,
                "ssl_verify_identity": self.mode == "VERIFY_IDENTITY"}

    def client_options(self) -> list[str]:
        """Options for the mariadb command-line client (which also defaults to TLS)."""
        if self.mode == "DISABLED":
            return ["--skip-ssl"]
        if self.mode == "PREFERRED":
            return []
        ca = [f"--ssl-ca={self.ca}"] if self.ca else []
        verify = self.mode in ("VERIFY_CA", "VERIFY_IDENTITY")
        return ["--ssl", *ca, "--ssl-verify-server-cert" if verify else
                "--skip-ssl-verify-server-cert"]


def redact(url: str) -> str:
    """The URL with its password replaced by ``***``."""
    return re.sub(r"(//[^:/@]*:)[^@]*@", r"\1***@", url)


def is_local(host: str | None, unix_socket: str | None = None) -> bool:
    """A unix socket, ``localhost`` or a loopback IP address."""
    if unix_socket or not host or host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def tls_for(host: str | None, query: str = "", *, unix_socket: str | None = None,
            where: str = "the server URL") -> Tls:
    """The TLS decision for a server at ``host`` whose URL has the query string ``query``."""
    asked = {key.replace("_", "-").lower(): values[-1]
             for key, values in parse_qs(query, keep_blank_values=True).items()}
    ca = asked.get("ssl-ca") or None
    mode = asked.get("ssl-mode", "").upper()
    if mode and mode not in MODES:
        raise InputError.single(SourceLoc(where), f"ssl-mode={asked['ssl-mode']!r}: expected "
                                                  f"one of {', '.join(MODES)}")
    if not mode and "ssl" in asked:
        flag = asked["ssl"].lower()
        if flag not in _TRUE + _FALSE:
            raise InputError.single(SourceLoc(where), f"ssl={asked['ssl']!r}: expected 1 or 0")
        mode = "REQUIRED" if flag in _TRUE else "DISABLED"
    if not mode and ca:
        mode = "VERIFY_CA"
    if not mode:
        mode = "DISABLED" if is_local(host, unix_socket) else "PREFERRED"
    return Tls(mode, ca)


def connect(*, tls: Tls, **options):
    """A PyMySQL connection with the server's TLS decision; *options* (as for
    ``pymysql.connect``) override it."""
    import pymysql

    return pymysql.connect(**{**tls.pymysql_options(), **options})

# SPDX-License-Identifier: LGPL-3.0-or-later
"""One TLS decision per server, on a real mariadbd that offers TLS; the live importer's
schema-filtered foreign-key queries return the rows of the joined view."""
import subprocess
from contextlib import closing
from pathlib import Path

import pytest

from ispyb_schema.connection import Tls, tls_for
from ispyb_schema.errors import InputError
from ispyb_schema.harness.local import LocalMariaDB
from ispyb_schema.harness.server import Server, open_server
from ispyb_schema.importer.live import (
    Q_FK_RULES,
    Q_KEY_COLUMNS,
    connect_url,
    foreign_key_rows,
    import_url,
)

JOINED_FOREIGN_KEYS = """
SELECT k.TABLE_NAME, k.CONSTRAINT_NAME, k.COLUMN_NAME, k.REFERENCED_TABLE_NAME,
       k.REFERENCED_COLUMN_NAME, r.UPDATE_RULE, r.DELETE_RULE
FROM information_schema.KEY_COLUMN_USAGE k
JOIN information_schema.REFERENTIAL_CONSTRAINTS r
  ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.TABLE_NAME = k.TABLE_NAME
 AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME
WHERE k.TABLE_SCHEMA = %s AND k.REFERENCED_TABLE_NAME IS NOT NULL
ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION"""


@pytest.mark.parametrize("host, query, expected", [
    ("127.0.0.1", "", Tls("DISABLED")),
    ("localhost", "", Tls("DISABLED")),
    ("::1", "", Tls("DISABLED")),
    ("db.example.org", "", Tls("PREFERRED")),
    ("127.0.0.1", "ssl=1", Tls("REQUIRED")),
    ("db.example.org", "ssl=false", Tls("DISABLED")),
    ("db.example.org", "ssl-mode=verify_identity", Tls("VERIFY_IDENTITY")),
    ("db.example.org", "ssl_mode=REQUIRED&ssl-ca=/ca.pem", Tls("REQUIRED", "/ca.pem")),
    ("db.example.org", "ssl-ca=/ca.pem", Tls("VERIFY_CA", "/ca.pem")),
])
def test_tls_decision(host, query, expected):
    assert tls_for(host, query) == expected


def test_a_unix_socket_is_local():
    assert tls_for("db.example.org", unix_socket="/run/mysqld.sock") == Tls("DISABLED")


@pytest.mark.parametrize("query", ["ssl-mode=sometimes", "ssl=maybe"])
def test_a_bad_tls_setting_says_what_is_expected(query):
    with pytest.raises(InputError) as err:
        tls_for("h", query, where="mysql://u:***@h/db")
    assert "mysql://u:***@h/db" in str(err.value) and "expected" in str(err.value)


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory):
    """An ephemeral mariadbd that offers TLS (a self-signed certificate)."""
    folder = tmp_path_factory.mktemp("tls")
    key, cert = folder / "key.pem", folder / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    local = LocalMariaDB.start(options=[f"--ssl-cert={cert}", f"--ssl-key={key}"])
    server = Server("local", local.host, local.port, local.user, local.password,
                    origin="TLS test", local=local, on_close=local.stop)
    try:
        yield server
    finally:
        server.close()


def cipher(conn) -> str:
    with conn.cursor() as cursor:
        cursor.execute("SHOW SESSION STATUS LIKE 'Ssl_cipher'")
        return cursor.fetchone()[1]


def test_the_server_offers_tls_and_loopback_connections_do_not_use_it(tls_server):
    assert tls_server.tls == Tls("DISABLED")
    with closing(tls_server.connect()) as conn:
        assert cipher(conn) == ""
    with closing(tls_server.connect(ssl_disabled=False)) as conn:  # PyMySQL's own default
        assert cipher(conn) != ""


def test_a_url_that_asks_for_tls_gets_it_on_every_connection(tls_server):
    url = f"mysql://root@127.0.0.1:{tls_server.port}/?ssl=1"
    server = open_server(url, prefer="url")
    try:
        assert server.tls == Tls("REQUIRED")
        with closing(server.connect()) as conn:
            assert cipher(conn) != ""
        database = server.create_scratch_database("tls")
        server.load_sql(database, text="CREATE TABLE t (id INT PRIMARY KEY);\n"
                                       "INSERT INTO t VALUES (1);\n", via="client")
        conn, name = connect_url(f"mysql://root@127.0.0.1:{tls_server.port}/{database}"
                                 "?ssl-mode=REQUIRED")
        with closing(conn):
            assert name == database and cipher(conn) != ""
        plain, _ = connect_url(f"mysql://root@127.0.0.1:{tls_server.port}/{database}")
        with closing(plain):
            assert cipher(plain) == ""
    finally:
        server.close()


def test_foreign_keys_read_per_schema_are_the_rows_of_the_joined_view(tls_server):
    """Two schemas with foreign keys of the same names: only the asked one's rows, the same as
    the joined query's, and the imported model has every rule."""
    ddl = """
    CREATE TABLE Parent (id INT PRIMARY KEY, a INT, b INT, UNIQUE KEY ab (a, b));
    CREATE TABLE Child (id INT PRIMARY KEY, parentId INT, a INT, b INT,
      CONSTRAINT fk_parent FOREIGN KEY (parentId) REFERENCES Parent (id) ON DELETE CASCADE,
      CONSTRAINT fk_ab FOREIGN KEY (a, b) REFERENCES Parent (a, b) ON UPDATE SET NULL);
    """
    names = [tls_server.create_scratch_database("fk") for _ in range(2)]
    for name in names:
        tls_server.load_sql(name, text=ddl)
    with closing(tls_server.connect()) as conn, conn.cursor() as cursor:
        cursor.execute(f"ALTER TABLE `{names[1]}`.Child DROP FOREIGN KEY fk_ab")
        cursor.execute(JOINED_FOREIGN_KEYS, (names[0],))
        columns = [d[0] for d in cursor.description]
        joined = [dict(zip(columns, row)) for row in cursor.fetchall()]

        def rows(query):
            cursor.execute(query, (names[0],))
            return [dict(zip([d[0] for d in cursor.description], r)) for r in cursor.fetchall()]

        assert foreign_key_rows(rows(Q_KEY_COLUMNS), rows(Q_FK_RULES)) == joined
    assert len(joined) == 3
    child = import_url(f"mysql://root@127.0.0.1:{tls_server.port}/{names[0]}").table("Child")
    rules = {fk.name: (fk.on_delete, fk.on_update) for fk in child.foreign_keys}
    assert rules == {"fk_parent": ("CASCADE", "RESTRICT"), "fk_ab": ("RESTRICT", "SET NULL")}

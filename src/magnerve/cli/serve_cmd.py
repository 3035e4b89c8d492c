"""`magnerve serve`: the local web app and REST API (FastAPI on uvicorn).

Safe by default: the server listens on the loopback address only, so nothing else on the
network can reach a person's health journal. Listening anywhere else needs both
``--allow-remote`` and a password (``MAGNERVE_PASSWORD``, ``--password-file`` or a prompt);
the password is hashed with argon2 at start-up, the hash lives only in this process's
memory, and every page and API call then needs a login (a signed, HttpOnly, Secure,
SameSite=Strict session cookie).

The socket is bound here, before uvicorn starts, so a busy port or a bad address is one
clear sentence and exit status 1 (uvicorn would log and exit on its own), and ``--port 0``
can print the port the system chose.
"""

from __future__ import annotations

import ipaddress
import os
import re
import socket
import sys
from pathlib import Path
from typing import Annotated

import typer

from magnerve.errors import InputError

__all__ = [
    "MIN_PASSWORD_CHARS",
    "PASSWORD_ENV",
    "check_host",
    "check_tls_files",
    "is_loopback",
    "serve_command",
]

PASSWORD_ENV = "MAGNERVE_PASSWORD"
MIN_PASSWORD_CHARS = 10


def is_loopback(host: str) -> bool:
    """True for addresses only this machine can reach (127.0.0.0/8, ::1, localhost)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


_HOST_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")
#: A certificate, key or password file is small; anything bigger is the wrong file.
MAX_SMALL_FILE = 1_000_000


def check_host(host: str) -> None:
    """Refuse a --host that is neither an IP address nor a valid host name, before it is
    judged loopback or remote ("999.1.1.1" must not be "refusing to listen remotely")."""
    text = host.strip()
    bare = text[1:-1] if text.startswith("[") and text.endswith("]") else text
    expected = "an IP address such as 127.0.0.1 or ::1, or a host name such as localhost"
    if not bare:
        raise InputError("--host", host, expected)
    try:
        ipaddress.ip_address(bare)
        return
    except ValueError:
        pass
    name = bare[:-1] if bare.endswith(".") else bare
    looks_numeric = re.fullmatch(r"[0-9.]+", bare) is not None
    if (looks_numeric or ":" in bare or len(name) > 253
            or not all(_HOST_LABEL.match(label) for label in name.split("."))):
        raise InputError("--host", host, expected, message=f"{_shown(host)} is not a valid IP "
                         "address or host name for --host; give one such as 127.0.0.1, ::1 "
                         "or localhost.")


def _shown(value: str) -> str:
    text = value if len(value) <= 60 else value[:57] + "..."
    return repr(text) if not text.isprintable() else f"'{text}'"


def _small_text_file(path: str, option: str, what: str) -> str:
    """The UTF-8 text of a small file named by ``option``, or one sentence saying why not."""
    shown = _shown(path)
    try:
        with Path(path).open("rb") as handle:
            data = handle.read(MAX_SMALL_FILE + 1)
    except OSError as exc:
        raise InputError(option, path, f"a readable {what} file",
                         message=f"Cannot read the {what} file {shown} given to {option}: "
                         f"{exc.strerror or exc}.") from None
    if len(data) > MAX_SMALL_FILE or b"\x00" in data:
        raise InputError(option, path, f"a {what} file (text)",
                         message=f"The file {shown} given to {option} is not a {what} file "
                         "(it is binary or too large).")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(option, path, "UTF-8 text",
                         message=f"The file {shown} given to {option} is not UTF-8 text "
                         f"(invalid byte at position {exc.start}), so it is not a {what} "
                         "file.") from None


def check_tls_files(certfile: str, keyfile: str) -> None:
    """Load the certificate and key the way the server will, before anything is printed:
    a missing, unreadable or wrong file is one sentence, not a traceback after "running at
    https://". An encrypted key is left for the server to ask its passphrase."""
    import ssl

    _small_text_file(certfile, "--ssl-certfile", "PEM certificate")
    _small_text_file(keyfile, "--ssl-keyfile", "PEM private key")
    asked = False

    def passphrase() -> bytes:
        nonlocal asked
        asked = True
        return b""

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        context.load_cert_chain(certfile, keyfile, password=passphrase)
    except ssl.SSLError as exc:
        if asked:  # an encrypted key: uvicorn asks for its passphrase at start
            return
        reason = f" (OpenSSL: {exc.reason.lower().replace('_', ' ')})" if exc.reason else ""
        raise InputError("--ssl-certfile", certfile, "a PEM certificate and its private key",
                         message=f"Cannot use {_shown(certfile)} and {_shown(keyfile)} for "
                         "HTTPS: they are not a PEM certificate and its matching private "
                         f"key{reason}.") from None
    except OSError as exc:
        raise InputError("--ssl-certfile", certfile, "readable files",
                         message=f"Cannot read {_shown(certfile)} or {_shown(keyfile)} for "
                         f"HTTPS: {exc.strerror or exc}.") from None


def _password(password_file: str | None) -> str:
    """The remote-mode password: a file, else the environment, else a prompt at a terminal."""
    if password_file is not None:
        try:
            text = Path(password_file).read_text(encoding="utf-8")
        except OSError as exc:
            raise InputError("--password-file", password_file, "a readable file",
                             message=f"Cannot read the password file {password_file}: "
                             f"{exc.strerror or exc}.") from None
        except UnicodeDecodeError as exc:
            raise InputError("--password-file", password_file, "UTF-8 text",
                             message=f"The password file {_shown(password_file)} is not UTF-8 "
                             f"text (invalid byte at position {exc.start}); its first line "
                             "must be the password.") from None
        password = text.splitlines()[0] if text.splitlines() else ""
    elif os.environ.get(PASSWORD_ENV):
        password = os.environ[PASSWORD_ENV]
    elif sys.stdin.isatty():
        password = str(typer.prompt("Password for remote access", hide_input=True,
                                    confirmation_prompt=True))
    else:
        raise InputError("--allow-remote", None, "a password",
                         message="--allow-remote needs a password: set MAGNERVE_PASSWORD, "
                         "pass --password-file FILE, or run it at a terminal to be asked.")
    if len(password) < MIN_PASSWORD_CHARS:
        raise InputError("password", f"{len(password)} characters",
                         f"at least {MIN_PASSWORD_CHARS} characters",
                         message=f"The password for remote access must be at least "
                         f"{MIN_PASSWORD_CHARS} characters long.")
    return password


def _bind(host: str, port: int) -> socket.socket:
    """A listening socket on host:port, or one sentence saying why not."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise InputError("--host", host, "an IP address or host name of this machine",
                         message=f"Cannot use the address '{host}': {exc.strerror}.") from None
    family, kind, proto, _name, address = infos[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        raise InputError("--port", port, "a free port",
                         message=f"Cannot listen on {host} port {port}: {exc.strerror or exc} "
                         "(is another magnerve running? choose another --port).") from None
    sock.set_inheritable(True)
    return sock


def _url(scheme: str, host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host and not host.startswith("[") else host
    return f"{scheme}://{shown}:{port}/"


def serve_command(
    host: Annotated[str, typer.Option("--host", help="Address to listen on. Only loopback "
                                      "addresses unless --allow-remote.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535,
                                      help="Port (0 picks a free one).")] = 8000,
    db: Annotated[str | None, typer.Option(
        "--db", help="Journal file (default: $MAGNERVE_DB, else your user data directory).",
        show_default=False)] = None,
    allow_remote: Annotated[bool, typer.Option(
        "--allow-remote", help="Allow a non-loopback --host. Requires a password "
        "($MAGNERVE_PASSWORD, --password-file, or a prompt).")] = False,
    password_file: Annotated[str | None, typer.Option(
        "--password-file", help="File whose first line is the remote-access password.",
        show_default=False)] = None,
    ssl_certfile: Annotated[str | None, typer.Option(
        "--ssl-certfile", help="TLS certificate (PEM) to serve HTTPS.", show_default=False)
    ] = None,
    ssl_keyfile: Annotated[str | None, typer.Option(
        "--ssl-keyfile", help="TLS private key (PEM).", show_default=False)] = None,
    workers: Annotated[int, typer.Option("--workers", min=1, max=32,
                                         help="Worker processes (1 is plenty for one "
                                         "person).")] = 1,
) -> None:
    """Run the web app and REST API (docs at /docs) on this computer.

    Example:

        magnerve serve

        magnerve serve --port 8080 --db ~/journal.sqlite3

        MAGNERVE_PASSWORD=... magnerve serve --host 0.0.0.0 --allow-remote \\
            --ssl-certfile cert.pem --ssl-keyfile key.pem
    """
    import secrets

    import uvicorn

    from magnerve.journal import Journal, resolve_db_path
    from magnerve.web.app import ENV_DB, ENV_KEY, ENV_PASSWORD_HASH, ENV_TLS, create_app
    from magnerve.web.security import hash_password
    from magnerve.web.server import uvicorn_settings

    check_host(host)
    remote = not is_loopback(host)
    if remote and not allow_remote:
        raise InputError("--host", host, "a loopback address such as 127.0.0.1",
                         message=f"Refusing to listen on {host}: other computers could reach "
                         "your health journal; use --allow-remote with a password "
                         f"(${PASSWORD_ENV} or --password-file) to share it on purpose.")
    if (ssl_certfile is None) != (ssl_keyfile is None):
        raise InputError("--ssl-keyfile" if ssl_keyfile is None else "--ssl-certfile", None,
                         "both --ssl-certfile and --ssl-keyfile",
                         message="HTTPS needs both --ssl-certfile and --ssl-keyfile.")
    tls = ssl_certfile is not None
    if ssl_certfile is not None and ssl_keyfile is not None:
        check_tls_files(ssl_certfile, ssl_keyfile)
    password_hash = hash_password(_password(password_file)) if allow_remote else None

    db_path = resolve_db_path(db)
    Journal.open(db_path).close()  # fail now, in one sentence, if the journal is unusable
    sock = _bind(host, port)
    bound_port = int(sock.getsockname()[1])
    key = secrets.token_bytes(32)
    scheme = "https" if tls else "http"
    typer.echo(f"magnerve is running at {_url(scheme, host, bound_port)} (journal: {db_path})."
               " Press Ctrl+C to stop.")
    if password_hash is not None:
        typer.echo("Remote access is on: every page needs the password.", err=True)
        if not tls:
            typer.echo("Warning: without HTTPS the password crosses the network in clear "
                       "text and browsers will not keep the Secure login cookie; use "
                       "--ssl-certfile/--ssl-keyfile or a TLS proxy.", err=True)

    settings = uvicorn_settings(ssl_certfile=ssl_certfile, ssl_keyfile=ssl_keyfile)
    try:
        if workers == 1:
            app = create_app(db_path=db_path, password_hash=password_hash, secret_key=key,
                             tls=tls)
            server = uvicorn.Server(uvicorn.Config(app, **settings))
            server.run(sockets=[sock])
        else:
            # Each worker process builds its own app; they share the journal file (SQLite
            # WAL) and one signing key so a login made by one worker is valid on all.
            # uvicorn binds for its workers itself: release the port checked above.
            sock.close()
            os.environ[ENV_DB] = str(db_path)
            os.environ[ENV_KEY] = key.hex()
            os.environ[ENV_TLS] = "1" if tls else "0"
            if password_hash is not None:
                os.environ[ENV_PASSWORD_HASH] = password_hash
            uvicorn.run("magnerve.web.app:create_app_from_env", factory=True, host=host,
                        port=bound_port, workers=workers, **settings)
    finally:
        sock.close()

"""Running the web app: checks before binding, then uvicorn until Ctrl-C or SIGTERM."""

import ipaddress
import os
import signal
import socket

from index.store import ENV_INDEX
from search.errors import ServeError

#: Addresses that only this machine reaches: serving there needs no token.
LOCAL_HOSTS = ("127.0.0.1", "::1", "localhost")
MIN_TOKEN_CHARS = 16


def is_local(host):
    """True for a loopback address (127.0.0.0/8, ::1, localhost)."""
    if host in LOCAL_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_token(host, token):
    """Raise ServeError when ``host`` is reachable from elsewhere and no good token guards it."""
    if token is not None and not (token.isascii() and token.isprintable()
                                  and " " not in token):
        raise ServeError("the token must be printable ASCII without spaces (it travels "
                         "in an HTTP header)")
    if token is not None and len(token) < MIN_TOKEN_CHARS:
        raise ServeError(f"the token has {len(token)} characters; use at least "
                         f"{MIN_TOKEN_CHARS} (e.g. `python3 -c 'import secrets; "
                         "print(secrets.token_urlsafe(24))'`)")
    if not is_local(host) and not token:
        raise ServeError(f"serving on {host} lets other machines in: give --token TOKEN "
                         "(or FUNDSTELLE_TOKEN), or serve on 127.0.0.1")


def check_port(host, port):
    """Raise ServeError when ``host:port`` cannot be bound (in use, no such address)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as exc:
            raise ServeError(f"cannot listen on {host}:{port} ({exc.strerror or exc}); "
                             "pick another --port or --host") from None


def serve(index_path, host="127.0.0.1", port=8080, workers=1, token=None, cache_mb=None):
    """Serve ``index_path`` until Ctrl-C or SIGTERM; uvicorn finishes open requests first.

    Index, token and cache size (MB of search answers per process, 0: none kept;
    None: :data:`web.cache.DEFAULT_MB`) reach the app (and each worker process)
    through the environment, as ``fundstelle --index`` and ``--token`` would set them.
    """
    import uvicorn

    from web.app import ENV_CACHE_MB, ENV_TOKEN

    os.environ[ENV_INDEX] = os.path.abspath(index_path)
    if cache_mb is None:
        os.environ.pop(ENV_CACHE_MB, None)
    else:
        os.environ[ENV_CACHE_MB] = str(cache_mb)
    if token:
        os.environ[ENV_TOKEN] = token
    else:
        os.environ.pop(ENV_TOKEN, None)
    # uvicorn shuts down gracefully on SIGINT/SIGTERM, then raises the signal again
    # under the handlers it found: these make that a normal return, not a
    # KeyboardInterrupt traceback or a death by SIGTERM.
    caught = []
    previous = {sig: signal.signal(sig, lambda sig, frame: caught.append(sig))
                for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        uvicorn.run("web.app:app_from_env", factory=True, host=host, port=port,
                    workers=workers if workers > 1 else None, log_level="warning",
                    access_log=False, server_header=False, proxy_headers=False,
                    timeout_graceful_shutdown=10)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)

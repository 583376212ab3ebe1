"""Run an application through `shared.serve.run` (uvloop, SO_REUSEPORT workers): the bench
app always, and a service when its own `serve --workers N` cannot do N yet."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import replace

from shared.logging import configure_logging
from shared.serve import AppFactory, ServeOptions, run

APPS = ("bench_app", "auth_server", "resource_server")


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    """Which app, how many workers, and the bench app's own settings."""
    parser = argparse.ArgumentParser(prog="python -m devtools.bench.launch", description=__doc__)
    parser.add_argument("app", choices=APPS)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--port", type=int, default=8080, help="bench_app only")
    parser.add_argument("--issuer", help="bench_app only: guard /protected with its tokens")
    parser.add_argument("--audience", default="http://127.0.0.1:8001", help="bench_app only")
    parser.add_argument("--jwks-uri", help="bench_app only: instead of the issuer's metadata")
    parser.add_argument("--log-level", default="warning", help="bench_app only")
    return parser.parse_args(argv)


def _bench_app(args: argparse.Namespace) -> tuple[AppFactory, object, str, str, int, str]:
    from devtools.bench.app import BenchSettings, create_app

    settings = BenchSettings(
        port=args.port,
        issuer=args.issuer,
        audience=args.audience,
        jwks_uri=args.jwks_uri,
        log_level=args.log_level,
    )
    return create_app, settings, "bench-app", settings.host, settings.port, settings.log_level


def _service(app: str, workers: int) -> tuple[AppFactory, object, str, str, int, str]:
    """A service's own factory and settings, read from its environment as its CLI does."""
    if app == "auth_server":
        from auth_server.app import create_app as auth_app
        from auth_server.settings import Settings as AuthSettings

        # As `serve` does: the worker count decides where tokens are signed.
        auth = replace(AuthSettings.from_env(), workers=workers)
        return auth_app, auth, "auth-server", auth.host, auth.port, auth.log_level
    from resource_server.app import create_app as resource_app
    from resource_server.settings import Settings as ResourceSettings

    resource = ResourceSettings.from_env()
    return (
        resource_app,
        resource,
        "resource-server",
        resource.host,
        resource.port,
        resource.log_level,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Serve the chosen app until SIGTERM."""
    args = parse(argv)
    chosen = _bench_app(args) if args.app == "bench_app" else _service(args.app, args.workers)
    factory, settings, name, host, port, log_level = chosen
    configure_logging(log_level)
    options = ServeOptions(
        name=name, host=host, port=port, workers=args.workers, log_level=log_level
    )
    return run(factory, settings, options)


if __name__ == "__main__":
    sys.exit(main())

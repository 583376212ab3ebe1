"""Settings helpers: every setting has an environment variable and a flag; the flag wins."""

from __future__ import annotations

import argparse
import ipaddress
import os
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from shared.db import check_database_url
from shared.logging import FORMATS, LEVELS

# RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
_SCOPE_TOKEN = re.compile(r"[\x21\x23-\x5b\x5d-\x7e]+")


class SettingError(Exception):
    """A setting has a value we cannot use; the message names the setting."""

    def __init__(self, name: str, problem: str) -> None:
        super().__init__(f"{name}: {problem}")
        self.name = name


@dataclass(frozen=True, slots=True)
class Option:
    """One setting: its environment variable, what it means, and its default as written."""

    env: str
    help: str
    default: str | None = None
    secret: bool = False

    @property
    def flag(self) -> str:
        """`AUTH_ACCESS_TOKEN_TTL` -> `--access-token-ttl`."""
        return "--" + self.env.split("_", 1)[1].lower().replace("_", "-")


def service_options(
    prefix: str, port: int, database: str, browser_routes: str
) -> tuple[Option, ...]:
    """The settings every service has: where it listens, its database, its logs, its proxies,
    the browsers it answers (on `browser_routes`) and where its metrics are served."""
    return (
        Option(f"{prefix}_HOST", "listen address", "127.0.0.1"),
        Option(f"{prefix}_PORT", "listen port", str(port)),
        Option(
            f"{prefix}_DATABASE_URL",
            f"sqlite:///path/to/{database}.db or postgresql://user:pass@host:port/db",
            f"sqlite:///var/{database}.db",
        ),
        Option(f"{prefix}_LOG_LEVEL", "debug, info, warning or error", "info"),
        Option(f"{prefix}_LOG_FORMAT", "text (for people) or json (one object per line)", "text"),
        Option(
            f"{prefix}_TRUSTED_PROXIES",
            "addresses or CIDR blocks whose X-Forwarded-For/-Proto and Forwarded headers are"
            " believed, comma-separated",
            None,
        ),
        Option(
            f"{prefix}_CORS_ORIGINS",
            f"origins allowed to call {browser_routes} from a browser, or *",
            "*",
        ),
        Option(
            f"{prefix}_METRICS_LISTEN",
            "host:port on which /metrics is served instead of on the public port",
            None,
        ),
    )


WILDCARD_HOSTS = ("0.0.0.0", "::", "[::]", "*")  # noqa: S104 - recognised, not bound


def public_url(read: Reader, name: str, host_name: str, host: str, port: int) -> str:
    """A URL setting whose default is built from the listen address: required when that
    address is a wildcard, which no client can reach the service at."""
    if host in WILDCARD_HOSTS and read.raw(name) is None:
        raise SettingError(
            name,
            f"required when {host_name} is the wildcard address {host}: set it to the URL"
            " clients reach this service at",
        )
    return read.url(name, f"http://{url_host(host)}:{port}")


def is_scope_token(value: str) -> bool:
    """RFC 6749 §3.3: one well-formed scope name."""
    return _SCOPE_TOKEN.fullmatch(value) is not None


def add_flags(parser: argparse.ArgumentParser, options: tuple[Option, ...]) -> None:
    """Give the parser one flag per setting; values land under the variable's name."""
    group = parser.add_argument_group("settings (each also read from its environment variable)")
    for option in options:
        if option.secret:
            continue  # a flag's value shows in `ps`: secrets come from the environment or X_FILE
        default = "unset" if option.default is None else option.default
        group.add_argument(
            option.flag,
            dest=option.env,
            metavar="VALUE",
            default=None,
            help=f"{option.help} [{option.env}; default: {default}]",
        )


class Reader:
    """Raw values from flags first, then the environment; parsers that name what is wrong."""

    def __init__(self, environ: Mapping[str, str], flags: Mapping[str, str | None]) -> None:
        self._environ = environ
        self._flags = flags

    def raw(self, name: str) -> str | None:
        """The flag's value, else the variable's, else the content of the file named by
        `{name}_FILE` (how container secrets arrive); empty means unset."""
        value = self._flags.get(name)
        if value is None:
            value = self._environ.get(name)
        if value in (None, "") and self._environ.get(f"{name}_FILE"):
            value = _read_secret_file(f"{name}_FILE", self._environ[f"{name}_FILE"])
        return value if value not in (None, "") else None

    def text(self, name: str, default: str) -> str:
        value = self.raw(name)
        return default if value is None else value

    def integer(self, name: str, default: int, *, low: int, high: int) -> int:
        value = self.raw(name)
        if value is None:
            return default
        try:
            number = int(value.strip())
        except ValueError:
            raise SettingError(name, f"expected an integer, got {value!r}") from None
        if not low <= number <= high:
            raise SettingError(name, f"must be between {low} and {high}, got {number}")
        return number

    def host(self, name: str, default: str) -> str:
        value = self.text(name, default).strip()
        if not value or any(c.isspace() or c in "/@?#" for c in value):
            raise SettingError(name, f"not a host name or address: {value!r}")
        return value

    def url(self, name: str, default: str, *, allow_path: bool = True) -> str:
        value = self.text(name, default).strip()
        return check_url(name, value, allow_path=allow_path)

    def database_url(self, name: str, default: str) -> str:
        value = self.text(name, default).strip()
        try:
            return check_database_url(value)
        except ValueError as exc:
            raise SettingError(name, str(exc)) from None

    def choice(self, name: str, default: str, choices: tuple[str, ...]) -> str:
        """One of `choices`, case-insensitively."""
        value = self.text(name, default).strip().lower()
        if value not in choices:
            raise SettingError(name, f"expected one of {', '.join(choices)}, got {value!r}")
        return value

    def log_level(self, prefix: str) -> str:
        return self.choice(f"{prefix}_LOG_LEVEL", "info", LEVELS)

    def log_format(self, prefix: str) -> str:
        return self.choice(f"{prefix}_LOG_FORMAT", "text", FORMATS)

    def scopes(self, name: str, default: str) -> tuple[str, ...]:
        """Scope names (RFC 6749 §3.3), space- or comma-separated."""
        scopes = self.words(name, default)
        for scope in scopes:
            if not is_scope_token(scope):
                raise SettingError(name, f"not a valid scope name: {scope!r}")
        return scopes

    def listen(self, name: str) -> tuple[str, int] | None:
        """`host:port` (`[::1]:9464` for IPv6), or None when unset."""
        value = self.raw(name)
        if value is None:
            return None
        host, colon, port = value.strip().rpartition(":")
        host = host.removeprefix("[").removesuffix("]")
        if not colon or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise SettingError(name, f"expected host:port, e.g. 127.0.0.1:9464, got {value!r}")
        return host, int(port)

    def words(self, name: str, default: str) -> tuple[str, ...]:
        value = self.text(name, default)
        words = tuple(dict.fromkeys(w for w in value.replace(",", " ").split() if w))
        if not words:
            raise SettingError(name, "must name at least one value")
        return words


def read_origins(read: Reader, name: str) -> tuple[str, ...]:
    """CORS origins (RFC 6454 §6.2: scheme://host[:port]), comma-separated, or `*`."""
    origins = read.words(name, "*")
    if origins == ("*",):
        return origins
    for origin in origins:
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.path:
            raise SettingError(name, f"not an origin (scheme://host[:port]): {origin!r}")
    return origins


def _read_secret_file(name: str, path: str) -> str:
    """A setting's value from a file: its content without the trailing newline."""
    try:
        check_private(name, path)
        with open(path, encoding="utf-8") as file:
            return file.read().rstrip("\r\n")
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingError(name, f"cannot read {path}: {exc.__class__.__name__}") from None


def check_private(name: str, path: str | os.PathLike[str]) -> None:
    """Refuse a secret file that its group or anyone else may read."""
    mode = os.stat(path).st_mode
    if mode & 0o044:
        raise SettingError(
            name,
            f"{path} is readable by group or others (mode {stat.S_IMODE(mode):o});"
            f" make it private: chmod 600 {path}",
        )


def check_url(name: str, value: str, *, allow_path: bool = True) -> str:
    """An absolute http(s) URL without query or fragment, trailing slash removed."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SettingError(name, f"expected an absolute http(s) URL, got {value!r}")
    if parts.query or parts.fragment or "#" in value:
        raise SettingError(name, f"must have no query or fragment, got {value!r}")
    try:
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise SettingError(name, f"bad port in {value!r}") from None
    if not allow_path and parts.path not in ("", "/"):
        raise SettingError(name, f"must have no path, got {value!r}")
    return value.rstrip("/")


def url_host(host: str) -> str:
    """A host as it appears in a URL (IPv6 addresses in brackets)."""
    try:
        return f"[{host}]" if ipaddress.ip_address(host).version == 6 else host
    except ValueError:
        return host

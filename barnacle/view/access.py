"""Who may read `make view`, and under which name: the public URL the served ids start with,
the Host check against DNS rebinding, the optional access token, and the routes that carry
CORS headers.

A page on another site cannot read the run: CORS headers go only on the IIIF JSON and search
routes (what external viewers fetch), and a request whose Host names neither this server's
public host nor a loopback name is refused, so a name an attacker points at 127.0.0.1 gets
nothing. Addresses in numbers are accepted as Host (a rebinding needs a name). With a token,
every request must carry it: `?token=` once (answered with a cookie that carries it on), the
cookie, or `Authorization: Bearer <token>`.
"""

from __future__ import annotations

import hmac
import ipaddress
import re
import socket
from dataclasses import dataclass
from email.message import Message
from http import HTTPStatus
from http.cookies import CookieError, SimpleCookie
from urllib.parse import urlsplit

TOKEN_COOKIE = "barnacle_view_token"
TOKEN_CHARACTERS = re.compile(r"[A-Za-z0-9._~-]+")
CORS_PREFIXES = ("/iiif/", "/search")
WILDCARD_HOSTS = ("", "0.0.0.0", "::")


class AccessError(ValueError):
    """A bad --public-url or token: one line naming the fix."""


def is_loopback(host: str) -> bool:
    """`host` (a name or an address) is this machine only: localhost or a loopback address."""
    host = host.strip("[]").lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def public_url(given: str | None, host: str, port: int) -> str:
    """The base URL of the served ids, no trailing slash: `given` (checked), else the bound
    address (this machine's name when bound to every interface)."""
    if not given:
        name = socket.gethostname() if host in WILDCARD_HOSTS else host
        name = f"[{name}]" if ":" in name else name
        return f"http://{name}:{port}"
    parts = urlsplit(given)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query:
        raise AccessError(
            f"--public-url {given!r} is not an http(s) URL: give the address users open, "
            "e.g. make view VIEW_PUBLIC_URL=https://ocr.example.org"
        )
    return given.rstrip("/")


def check_token(token: str | None) -> str | None:
    """The access token, None when there is none; AccessError when it cannot go in a cookie."""
    if not token:
        return None
    if not TOKEN_CHARACTERS.fullmatch(token):
        raise AccessError("VIEW_TOKEN may hold only letters, digits and - . _ ~")
    return token


def binding_warning(host: str, port: int, token: str | None) -> str | None:
    """The warning for a server reachable from other machines; None on a loopback address."""
    if is_loopback(host):
        return None
    where = "every interface" if host in WILDCARD_HOSTS else host
    if token:
        return (
            f"listening on {where} (port {port}): other machines can reach this view; "
            "requests without the access token (VIEW_TOKEN) are refused"
        )
    return (
        f"listening on {where} (port {port}): anyone who can reach this machine can read the "
        "run, with no access token; set one (make view VIEW_TOKEN=<secret>) or listen on "
        "127.0.0.1 only (HOST=127.0.0.1)"
    )


def cors_route(path: str) -> bool:
    """The routes external viewers fetch across origins: the IIIF JSON and the searches."""
    return path.startswith(CORS_PREFIXES)


@dataclass(frozen=True)
class Access:
    """The public URL and token of one view server, and the checks made on each request."""

    public_url: str
    token: str | None = None

    def host_allowed(self, header: str | None) -> bool:
        """A Host that names this server: the public URL's host, a loopback name, an address
        in numbers, or none at all (HTTP/1.0)."""
        if not header:
            return True
        name = urlsplit(f"//{header.strip()}").hostname or ""
        public = (urlsplit(self.public_url).hostname or "").lower()
        return name == public or is_loopback(name) or _is_address(name)

    def refusal(self, headers: Message, query: dict[str, str]) -> tuple[int, str] | None:
        """Why this request is refused (status, message); None when it may be served."""
        host = headers.get("Host")
        if not self.host_allowed(host):
            return HTTPStatus.FORBIDDEN, (
                f"Host {host!r} is not this server: open it at {self.public_url}/ (or start "
                "the view with --public-url set to the address you use)"
            )
        if self.token is None or self._carries_token(headers, query):
            return None
        return HTTPStatus.UNAUTHORIZED, (
            "this view needs its access token: open it once as /?token=<VIEW_TOKEN> (a cookie "
            "keeps it), or send the header Authorization: Bearer <VIEW_TOKEN>"
        )

    def cookie(self, query: dict[str, str]) -> str | None:
        """The Set-Cookie value that keeps the token given as `?token=`; None otherwise."""
        if self.token is None or not self._same(query.get("token")):
            return None
        secure = "; Secure" if self.public_url.startswith("https:") else ""
        return f"{TOKEN_COOKIE}={self.token}; Path=/; HttpOnly; SameSite=Lax{secure}"

    def _carries_token(self, headers: Message, query: dict[str, str]) -> bool:
        scheme, _, credentials = (headers.get("Authorization") or "").partition(" ")
        if scheme.lower() == "bearer" and self._same(credentials.strip()):
            return True
        try:
            jar = SimpleCookie(headers.get("Cookie") or "")
        except CookieError:
            jar = SimpleCookie()
        given = jar[TOKEN_COOKIE].value if TOKEN_COOKIE in jar else None
        return self._same(given) or self._same(query.get("token"))

    def _same(self, given: str | None) -> bool:
        if self.token is None or given is None:
            return False
        return hmac.compare_digest(given.encode(), self.token.encode())

"""A person's side of the authorization code flow, over real HTTP to running servers."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin

import requests

REDIRECT_URI = "http://127.0.0.1:9/callback"


PASSWORD = "correct horse battery staple"


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.action = ""
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.action = attributes.get("action", "")
        elif tag == "input" and "name" in attributes:
            self.fields[attributes["name"]] = attributes.get("value", "")


def submit(person: requests.Session, page: requests.Response, **values: str) -> requests.Response:
    """Fill in the page's form with `values` and send it, as a browser would."""
    form = _Forms()
    form.feed(page.text)
    return person.post(
        urljoin(page.url, form.action), data={**form.fields, **values}, allow_redirects=False
    )


def approve(authorization_url: str, username: str, person: requests.Session | None = None) -> str:
    """Sign in and approve; return the URL the browser is finally sent to (the client's).
    With `person`, that browser (and its cookies, the session among them) is used."""
    person = person or requests.Session()
    login = person.get(authorization_url, allow_redirects=False)
    assert login.status_code == 200, login.text
    consent = submit(person, login, username=username, password=PASSWORD)
    assert consent.status_code == 200
    assert "Allow" in consent.text
    decided = submit(person, consent, decision="approve")
    assert decided.status_code == 303
    location: str = decided.headers["Location"]
    assert location.startswith(REDIRECT_URI)
    return location

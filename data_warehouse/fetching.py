"""Downloading daily trade files from Binance's public data site, checked against their checksums.

Files live at ``<BINANCE_DATA_URL>/data/spot/daily/{trades|aggTrades}/<SYMBOL>/<SYMBOL>-<kind>-<DATE>.zip``
with a sibling ``.CHECKSUM`` holding ``<sha256>  <file name>`` (BINANCE.md §6).
"""

import hashlib
import http.client
import re
import urllib.error
import urllib.request
from datetime import date
from pathlib import Path

CHECKSUM = re.compile(r"^([0-9a-fA-F]{64})\b")
TIMEOUT = 60


class FetchError(Exception):
    """A file that could not be downloaded or did not match its checksum; the message says which."""


def day_url(base_url: str, symbol: str, day: date, kind: str) -> str:
    """The URL of one day's zip (kind is 'trades' or 'aggTrades')."""
    return f"{base_url.rstrip('/')}/data/spot/daily/{kind}/{symbol}/{symbol}-{kind}-{day.isoformat()}.zip"


def _get(url: str) -> urllib.request.addinfourl:
    try:
        return urllib.request.urlopen(url, timeout=TIMEOUT)
    except urllib.error.HTTPError as error:
        if error.code == 404:
            raise FetchError(f"{url}: not found (Binance publishes a day's file the day after)") from None
        raise FetchError(f"{url}: HTTP {error.code}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        raise FetchError(f"{url}: cannot reach the server ({getattr(error, 'reason', error)})") from None


def expected_checksum(url: str) -> str:
    """The sha256 Binance publishes for a file."""
    with _get(url + ".CHECKSUM") as reply:
        text = reply.read().decode("utf-8", "replace").strip()
    match = CHECKSUM.match(text)
    if match is None:
        raise FetchError(f"{url}.CHECKSUM: not a sha256 line: {text[:80]!r}")
    return match.group(1).lower()


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch_day(base_url: str, symbol: str, day: date, kind: str, directory: Path) -> tuple[Path, bool]:
    """Download one day's file unless a verified copy is there; returns (path, downloaded)."""
    url = day_url(base_url, symbol, day, kind)
    expected = expected_checksum(url)
    target = directory / symbol / url.rsplit("/", 1)[1]
    if target.is_file() and sha256_of(target) == expected:
        return target, False
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    digest = hashlib.sha256()
    try:
        with _get(url) as reply, partial.open("wb") as file:
            for block in iter(lambda: reply.read(1 << 20), b""):
                digest.update(block)
                file.write(block)
    except (http.client.HTTPException, OSError, TimeoutError) as error:
        partial.unlink(missing_ok=True)
        raise FetchError(f"{url}: the download broke off ({type(error).__name__}); nothing kept") from None
    if digest.hexdigest() != expected:
        partial.unlink(missing_ok=True)
        raise FetchError(f"{url}: checksum mismatch (got {digest.hexdigest()}, Binance says {expected}); file deleted")
    partial.replace(target)
    return target, True

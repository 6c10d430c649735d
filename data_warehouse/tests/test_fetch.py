"""fetch_trades against a local fake of data.binance.vision: download, checksum, import, and every failure."""

import functools
import hashlib
import io
import socket
import threading
import zipfile
from dataclasses import dataclass
from datetime import date, timedelta
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from data_warehouse.models import Trade

pytestmark = pytest.mark.django_db(transaction=True)

DAY = "2019-05-31"
PATH = "/data/spot/daily/trades/XRPUSDT/XRPUSDT-trades-2019-05-31.zip"
AGG_PATH = "/data/spot/daily/aggTrades/XRPUSDT/XRPUSDT-aggTrades-2019-05-31.zip"
TRADES = [  # Binance's archive layout: no header, True/False, a seventh column
    "25102246,0.41809000,47.80000000,19.98470200,1559260800016,True,True",
    "25102247,0.41809000,100.00000000,41.80900000,1559260800016,False,True",
    "25102248,0.41810000,12.30000000,5.14263000,1559260801002,True,True",
]
AGG_TRADES = [
    "13519807,0.41809000,147.80000000,25102246,25102247,1559260800016,True,True",
    "13519808,0.41810000,12.30000000,25102248,25102248,1559260801002,True,True",
]


class Handler(SimpleHTTPRequestHandler):
    """Serves the site's files, noting every path asked for."""

    def do_GET(self) -> None:
        self.server.requests.append(self.path)
        status = self.server.statuses.get(self.path)
        if status is not None:
            self.send_error(status)
        elif self.path in self.server.cut_short:  # the connection drops halfway through the body
            body = (self.server.root / self.path.lstrip("/")).read_bytes()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
        else:
            super().do_GET()

    def log_message(self, format: str, *args) -> None:
        """Quiet."""


@dataclass
class FakeBinance:
    """A local data.binance.vision: files under ``root`` as the real site lays them out."""

    root: Path
    server: ThreadingHTTPServer

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def requests(self) -> list[str]:
        return self.server.requests

    def publish(self, path: str = PATH, rows: list[str] = TRADES, *, checksum: str | None = "right") -> bytes:
        """Put a day's zip (and, unless ``checksum`` is None, its .CHECKSUM) at ``path``; returns the zip."""
        name = path.rsplit("/", 1)[1]
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(name.removesuffix(".zip") + ".csv", "\n".join(rows) + "\n")
        data = buffer.getvalue()
        target = self.root / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        if checksum is not None:
            lines = {
                "right": f"{hashlib.sha256(data).hexdigest()}  {name}\n",
                "upper": f"{hashlib.sha256(data).hexdigest().upper()}  {name}\n",
                "wrong": f"{hashlib.sha256(data + b'x').hexdigest()}  {name}\n",
            }
            target.with_name(name + ".CHECKSUM").write_text(lines.get(checksum, checksum))
        return data

    def remove(self, path: str) -> None:
        (self.root / path.lstrip("/")).unlink()


@pytest.fixture
def binance(tmp_path, settings):
    root = tmp_path / "site"
    root.mkdir()
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(root)))
    server.requests, server.statuses, server.cut_short, server.root = [], {}, set(), root
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    fake = FakeBinance(root, server)
    settings.BINANCE_DATA_URL = fake.url
    settings.TRADE_FILES_DIR = tmp_path / "downloads"
    yield fake
    server.shutdown()
    server.server_close()
    thread.join()


@dataclass
class Outcome:
    out: str
    err: str
    error: CommandError | None


def fetch(*args: str) -> Outcome:
    out, err = io.StringIO(), io.StringIO()
    error = None
    try:
        call_command("fetch_trades", *args, stdout=out, stderr=err)
    except CommandError as raised:
        error = raised
    return Outcome(out.getvalue(), err.getvalue(), error)


def stored(kind: str = "trade") -> list[tuple[int, str, int]]:
    rows = Trade.objects.filter(symbol="XRPUSDT", kind=kind).order_by("trade_id")
    return [(row.trade_id, str(row.price), row.trade_time) for row in rows]


def downloads(tmp_path: Path) -> list[str]:
    """Every file under the download directory, relative to it."""
    folder = tmp_path / "downloads"
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*") if path.is_file())


EXPECTED = [(25102246, "0.41809000", 1559260800016), (25102247, "0.41809000", 1559260800016)]
EXPECTED += [(25102248, "0.41810000", 1559260801002)]


@pytest.mark.parametrize("checksum", ["right", "upper"], ids=["checksum", "upper-case-checksum"])
def test_a_day_is_downloaded_verified_and_imported(seeded, binance, tmp_path, checksum):
    data = binance.publish(checksum=checksum)

    outcome = fetch("XRPUSDT", DAY)

    assert outcome.error is None, outcome.err
    assert "XRPUSDT-trades-2019-05-31.zip: downloaded, checksum verified" in outcome.out
    assert "3 trades read, 3 added, 0 already stored" in outcome.out
    assert stored() == EXPECTED
    assert downloads(tmp_path) == ["XRPUSDT/XRPUSDT-trades-2019-05-31.zip"]
    assert (tmp_path / "downloads" / "XRPUSDT" / "XRPUSDT-trades-2019-05-31.zip").read_bytes() == data
    assert binance.requests == [PATH + ".CHECKSUM", PATH]


def test_a_second_fetch_reuses_the_file_and_adds_nothing(seeded, binance, tmp_path):
    binance.publish()
    assert fetch("XRPUSDT", DAY).error is None
    binance.requests.clear()

    outcome = fetch("xrpusdt", DAY)

    assert outcome.error is None, outcome.err
    assert "XRPUSDT-trades-2019-05-31.zip: already here, checksum verified" in outcome.out
    assert "3 trades read, 0 added, 3 already stored" in outcome.out
    assert stored() == EXPECTED
    assert binance.requests == [PATH + ".CHECKSUM"], "only the checksum is asked for again"


def test_a_local_copy_that_does_not_match_is_downloaded_again(seeded, binance, tmp_path):
    data = binance.publish()
    local = tmp_path / "downloads" / "XRPUSDT" / "XRPUSDT-trades-2019-05-31.zip"
    local.parent.mkdir(parents=True)
    local.write_bytes(b"half a download")

    outcome = fetch("XRPUSDT", DAY)

    assert "downloaded, checksum verified" in outcome.out
    assert local.read_bytes() == data
    assert stored() == EXPECTED


def test_no_import_only_downloads(seeded, binance, tmp_path):
    binance.publish()

    outcome = fetch("XRPUSDT", DAY, "--no-import")

    assert outcome.error is None, outcome.err
    assert "downloaded, checksum verified" in outcome.out
    assert "added" not in outcome.out
    assert downloads(tmp_path) == ["XRPUSDT/XRPUSDT-trades-2019-05-31.zip"]
    assert Trade.objects.count() == 0


def test_the_dir_option_chooses_where_files_go(seeded, binance, tmp_path):
    binance.publish()

    outcome = fetch("XRPUSDT", DAY, "--dir", str(tmp_path / "elsewhere"))

    assert outcome.error is None, outcome.err
    assert (tmp_path / "elsewhere" / "XRPUSDT" / "XRPUSDT-trades-2019-05-31.zip").is_file()
    assert not (tmp_path / "downloads").exists()


def test_aggtrades_come_from_their_own_path_and_are_stored_as_aggtrades(seeded, binance, tmp_path):
    binance.publish(AGG_PATH, AGG_TRADES)

    outcome = fetch("XRPUSDT", DAY, "--kind", "aggTrades")

    assert outcome.error is None, outcome.err
    assert "XRPUSDT-aggTrades-2019-05-31.zip: downloaded, checksum verified" in outcome.out
    assert "2 aggregate trades read, 2 added" in outcome.out
    assert binance.requests == [AGG_PATH + ".CHECKSUM", AGG_PATH]
    assert stored("aggTrade") == [(13519807, "0.41809000", 1559260800016), (13519808, "0.41810000", 1559260801002)]
    assert stored("trade") == []


def wrong_checksum(binance: FakeBinance) -> None:
    binance.publish(checksum="wrong")


def zip_missing(binance: FakeBinance) -> None:
    binance.publish()
    binance.remove(PATH)


def checksum_missing(binance: FakeBinance) -> None:
    binance.publish(checksum=None)


def checksum_malformed(binance: FakeBinance) -> None:
    binance.publish(checksum="<html>Service unavailable</html>")


def checksum_too_long(binance: FakeBinance) -> None:
    binance.publish(checksum="a" * 65 + "  XRPUSDT-trades-2019-05-31.zip\n")


def checksum_empty(binance: FakeBinance) -> None:
    binance.publish(checksum="")


def server_error(binance: FakeBinance) -> None:
    binance.publish()
    binance.server.statuses[PATH + ".CHECKSUM"] = 503


def cut_short(binance: FakeBinance) -> None:
    binance.publish()
    binance.server.cut_short.add(PATH)


def not_a_zip(binance: FakeBinance) -> None:
    data = b"<html>maintenance</html>"
    target = binance.root / PATH.lstrip("/")
    target.parent.mkdir(parents=True)
    target.write_bytes(data)
    target.with_name(target.name + ".CHECKSUM").write_text(f"{hashlib.sha256(data).hexdigest()}  {target.name}\n")


@pytest.mark.parametrize(
    ("setup", "message", "requests", "kept"),
    [
        pytest.param(
            wrong_checksum,
            f"{PATH}: checksum mismatch",
            [PATH + ".CHECKSUM", PATH],
            [],
            id="checksum-mismatch-deletes-the-file",
        ),
        pytest.param(
            zip_missing,
            f"{PATH}: not found (Binance publishes a day's file the day after)",
            [PATH + ".CHECKSUM", PATH],
            [],
            id="zip-404",
        ),
        pytest.param(
            checksum_missing,
            f"{PATH}.CHECKSUM: not found",
            [PATH + ".CHECKSUM"],
            [],
            id="checksum-404",
        ),
        pytest.param(
            checksum_malformed,
            f"{PATH}.CHECKSUM: not a sha256 line: '<html>Service unavailable</html>'",
            [PATH + ".CHECKSUM"],
            [],
            id="checksum-malformed",
        ),
        pytest.param(checksum_too_long, f"{PATH}.CHECKSUM: not a sha256 line", [PATH + ".CHECKSUM"], [], id="65-hex"),
        pytest.param(checksum_empty, f"{PATH}.CHECKSUM: not a sha256 line: ''", [PATH + ".CHECKSUM"], [], id="empty"),
        pytest.param(server_error, f"{PATH}.CHECKSUM: HTTP 503", [PATH + ".CHECKSUM"], [], id="server-error"),
        pytest.param(
            cut_short,
            f"{PATH}: checksum mismatch",
            [PATH + ".CHECKSUM", PATH],
            [],
            id="connection-drops-mid-download",
        ),
        pytest.param(
            not_a_zip,
            "XRPUSDT-trades-2019-05-31.zip: a damaged or truncated zip archive",
            [PATH + ".CHECKSUM", PATH],
            ["XRPUSDT/XRPUSDT-trades-2019-05-31.zip"],
            id="verified-but-not-trades",
        ),
    ],
)
def test_a_day_that_fails_is_reported_and_nothing_is_imported(
    seeded, binance, tmp_path, setup, message, requests, kept
):
    setup(binance)

    outcome = fetch("XRPUSDT", DAY)

    assert outcome.error is not None and "1 of 1 day(s) failed" in str(outcome.error)
    assert "Failed: " in outcome.err and message in outcome.err
    assert binance.requests == requests
    assert downloads(tmp_path) == kept
    assert Trade.objects.count() == 0


def test_a_failed_day_does_not_stop_the_others(seeded, binance, tmp_path):
    binance.publish()

    outcome = fetch("XRPUSDT", "2019-05-30", DAY)

    assert outcome.error is not None and "1 of 2 day(s) failed" in str(outcome.error)
    assert "XRPUSDT-trades-2019-05-30.zip.CHECKSUM: not found" in outcome.err
    assert "XRPUSDT-trades-2019-05-31.zip: downloaded, checksum verified" in outcome.out
    assert stored() == EXPECTED


def test_a_server_that_cannot_be_reached_is_named(seeded, settings, tmp_path):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.BINANCE_DATA_URL = f"http://127.0.0.1:{port}"
    settings.TRADE_FILES_DIR = tmp_path / "downloads"

    outcome = fetch("XRPUSDT", DAY)

    assert outcome.error is not None
    assert f"http://127.0.0.1:{port}{PATH}.CHECKSUM: cannot reach the server" in outcome.err
    assert not (tmp_path / "downloads").exists()
    assert Trade.objects.count() == 0


TOMORROW = (date.today() + timedelta(days=1)).isoformat()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        pytest.param(["XRPUSDT", "2019-13-01"], "'2019-13-01' is not a date like 2019-05-31", id="month-13"),
        pytest.param(["XRPUSDT", DAY, "2019-02-30"], "'2019-02-30' is not a date", id="good-day-then-bad-day"),
        pytest.param(["XRPUSDT", "31/05/2019"], "is not a date like 2019-05-31", id="other-format"),
        pytest.param(["XRPUSDT", DAY, TOMORROW], "publishes a day's file only after the day is over", id="future"),
        pytest.param(["XRPUSDT", date.today().isoformat()], "only after the day is over", id="today"),
        pytest.param(["XRPUSDX", DAY], "unknown symbol XRPUSDX", id="unknown-symbol"),
    ],
)
def test_bad_arguments_are_refused_before_any_download(seeded, binance, tmp_path, arguments, message):
    binance.publish()

    outcome = fetch(*arguments)

    assert outcome.error is not None and message in str(outcome.error)
    assert binance.requests == []
    assert not (tmp_path / "downloads").exists()
    assert Trade.objects.count() == 0

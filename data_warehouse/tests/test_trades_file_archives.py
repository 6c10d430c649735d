"""Zipped trade files through the reader: damaged, truncated or absurd archives are refused, naming them."""

import io
import zipfile
from pathlib import Path

import pytest

from data_warehouse.tests.test_trades_file import ARCHIVE, HEADER, columns
from data_warehouse.trade_archives import MAX_EXPANSION
from data_warehouse.trades_file import TradesFileError, read_trades
from tests.support.shared import shared_file


def zip_bytes(text: str, method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        archive.writestr("BTCUSDT-trades-2021-01-01.csv", text)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        pytest.param(
            zip_bytes(ARCHIVE, zipfile.ZIP_STORED).replace(b"29023.67", b"29023.68"),
            "a damaged zip archive (Bad CRC-32 for file 'BTCUSDT-trades-2021-01-01.csv')",
            id="bad-crc",
        ),
        pytest.param(
            zip_bytes(ARCHIVE)[:60],
            "a damaged or truncated zip archive (its directory at the end is missing)",
            id="truncated",
        ),
        pytest.param(b"<html>maintenance</html>", "a damaged or truncated zip archive", id="not-a-zip-at-all"),
        pytest.param(
            zip_bytes(ARCHIVE + "0" * 5_000_000),
            "BTCUSDT-trades-2021-01-01.csv would expand",
            id="expands-absurdly",
        ),
    ],
)
def test_a_damaged_or_absurd_archive_is_refused_naming_it(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "BTCUSDT-trades-2021-01-01.zip"
    path.write_bytes(content)

    with pytest.raises(TradesFileError) as error:
        read_trades(path, "BTCUSDT")

    assert str(error.value).startswith(f"{path}: {reason}")


def test_an_absurd_archive_is_refused_before_anything_is_read(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "bomb.zip"
    path.write_bytes(zip_bytes(HEADER + "0" * 20_000_000))
    monkeypatch.setattr(zipfile.ZipFile, "open", lambda *args, **kwargs: pytest.fail("the member was opened"))

    with pytest.raises(TradesFileError, match=r"would expand [\d,]+-fold \([\d,]+ bytes to 20,000,043\); trade files"):
        read_trades(path, "BTCUSDT")


def test_real_archives_expand_far_less_than_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "XRPUSDT-trades-2019-05-31.zip"
    path.write_bytes(zip_bytes(shared_file("trades/XRPUSDT-trades-2019-05-31.csv").read_text()))
    [member] = zipfile.ZipFile(path).infolist()

    assert member.file_size / member.compress_size < MAX_EXPANSION / 5
    assert len(columns(read_trades(path, "XRPUSDT"))[1]) == 168_694

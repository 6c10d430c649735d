"""Reading orders the way tests check them: (side, price, quantity, status), oldest first."""

from html.parser import HTMLParser

from asgiref.sync import sync_to_async
from django.contrib.auth import get_user_model
from django.test import Client

from core.display import plain
from data_warehouse.models import Order


@sync_to_async
def stored_orders(symbol: str = "XRPUSDT", venue: str = "simulated") -> list[tuple[str, str, str, str]]:
    """The data warehouse's orders of ``symbol``, oldest first."""
    rows = Order.objects.filter(symbol=symbol, venue=venue).order_by("id")
    return [(row.side, plain(row.price), plain(row.orig_qty), row.status) for row in rows]


class _ChangeListRows(HTMLParser):
    """Collects the cells of the admin change list, by column (the cell's field-<name> class)."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict[str, str]] = []
        self._column: str | None = None
        self._in_results = False
        self._in_body = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "table" and attributes.get("id") == "result_list":
            self._in_results = True
        elif self._in_results and tag == "tbody":
            self._in_body = True
        elif self._in_body and tag == "tr":
            self.rows.append({})
        elif self._in_body and tag in ("td", "th"):
            classes = (attributes.get("class") or "").split()
            self._column = next((c.removeprefix("field-") for c in classes if c.startswith("field-")), None)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th"):
            self._column = None
        elif tag == "tbody":
            self._in_body = False
        elif tag == "table":
            self._in_results = False

    def handle_data(self, data: str) -> None:
        if self._column is not None:
            row = self.rows[-1]
            row[self._column] = row.get(self._column, "") + data.strip()


@sync_to_async
def admin_order_rows(query: str = "") -> list[dict[str, str]]:
    """The order list a staff user sees in the admin (newest first), as column → text."""
    user, _ = get_user_model().objects.get_or_create(
        username="staff", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client()
    client.force_login(user)
    response = client.get(f"/admin/data_warehouse/order/{query}")
    assert response.status_code == 200, response.status_code
    parser = _ChangeListRows()
    parser.feed(response.content.decode())
    return parser.rows

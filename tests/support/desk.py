"""Reading the desk's websocket as the browser does: frames applied to one picture, waited on with deadlines."""

import asyncio
from collections.abc import Callable

import orjson
from asgiref.testing import ApplicationCommunicator
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from desk import access
from desk.consumers import DeskConsumer


class DeskView:
    """What a browser holds after applying every frame (the same rules as desk.js)."""

    def __init__(self) -> None:
        self.symbols: dict[str, dict] = {}
        self.traders: dict[str, list] = {}
        self.orders: dict[str, dict] = {}
        self.chart: dict[str, list] = {}
        self.totals: dict = {}
        self.balances: list[dict] = []
        self.engines: list[dict] = []
        self.streams: list[dict] = []
        self.kinds: list[str] = []  # of every frame applied: "picture" or "patch"

    @property
    def frames(self) -> int:
        return len(self.kinds)

    def apply(self, frame: dict) -> None:
        self.kinds.append(frame["kind"])
        if frame["kind"] == "picture":
            self.symbols, self.orders, self.chart = {}, {}, {}
        if frame["kind"] == "picture":
            self.traders = {}
        for symbol, fields in frame.get("symbols", {}).items():
            if fields is None:
                self.symbols.pop(symbol, None)
            else:
                self.symbols[symbol] = {**self.symbols.get(symbol, {}), **fields}
        for symbol, traders in frame.get("traders", {}).items():
            if traders is None:
                self.traders.pop(symbol, None)
            else:
                self.traders[symbol] = traders
        for name in ("totals", "balances", "engines", "streams"):
            if name in frame:
                setattr(self, name, frame[name])
        for row in frame.get("orders", []):
            key = f"{row['symbol']}:{row['order_id']}"
            self.orders.pop(key, None)
            self.orders[key] = row
        for symbol, points in frame.get("chart", {}).items():
            self.chart.setdefault(symbol, []).extend(points)

    def order_rows(self, symbol: str) -> list[tuple[str, str, str, str]]:
        """(side, price, quantity, status) of the symbol's latest orders, by order id."""
        rows = sorted((o for o in self.orders.values() if o["symbol"] == symbol), key=lambda o: o["order_id"])
        return [(o["side"], o["price"], o["quantity"], o["status"]) for o in rows]


class DeskSocket:
    """A websocket client of the desk consumer for ``user``, speaking ASGI to it directly.

    (channels.testing's communicator would need daphne installed just to be imported.)
    """

    def __init__(self, user: object) -> None:
        scope = {"type": "websocket", "path": "/ws/desk/", "headers": [], "subprotocols": [], "user": user}
        self.communicator = ApplicationCommunicator(DeskConsumer.as_asgi(), scope)
        self.view = DeskView()

    async def connect(self, timeout: float = 10.0) -> tuple[bool, int | None]:
        """(accepted, close code if refused)."""
        await self.communicator.send_input({"type": "websocket.connect"})
        answer = await self.communicator.receive_output(timeout)
        return answer["type"] == "websocket.accept", answer.get("code")

    async def close(self) -> None:
        await self.communicator.send_input({"type": "websocket.disconnect", "code": 1000})
        await self.communicator.wait(timeout=10)

    async def receive_frame(self, timeout: float) -> bytes:
        answer = await self.communicator.receive_output(timeout)
        assert answer["type"] == "websocket.send", answer
        return answer["bytes"]

    async def wait_for(self, what: str, condition: Callable[[DeskView], bool], timeout: float = 10.0) -> DeskView:
        """Apply frames until ``condition(view)`` holds; fail naming ``what`` after ``timeout`` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not condition(self.view):
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(f"the desk did not show {what} within {timeout}s; it shows {self.view.symbols}")
            try:
                frame = await self.receive_frame(remaining)
            except TimeoutError:
                continue
            self.view.apply(orjson.loads(frame))
        return self.view


def desk_user(username: str = "trader", *, control: bool = True, staff: bool = True) -> object:
    """A staff user with the desk's view permissions (and its control permissions unless ``control`` is False)."""
    user, _ = get_user_model().objects.get_or_create(username=username, defaults={"is_staff": staff})
    user.set_password("secret")
    user.save()
    wanted = list(access.VIEW_PERMISSIONS) + (list(set(access.CONTROL_PERMISSIONS.values())) if control else [])
    for name in wanted:
        app_label, codename = name.split(".")
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return get_user_model().objects.get(pk=user.pk)  # a fresh instance: no stale permission cache

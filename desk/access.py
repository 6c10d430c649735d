"""Who may see and use the desk: the same permissions as the admin, in one table.

The desk shows what the admin shows (settings, streams, engines, orders, balances, traders), so
seeing it takes the view permission of each of those models; its controls change trading or
streaming settings, as the admin's actions do, so each takes the change permission of its
settings model. ``ROUTES`` lists every desk URL with what it needs, for tests that crawl the
site's pages and the websocket.
"""

from dataclasses import dataclass

VIEW_PERMISSIONS = (
    "naive.view_tradingsettings",
    "naive.view_traderrecord",
    "streamer.view_streamingsettings",
    "streamer.view_streamerstatus",
    "data_warehouse.view_storingsettings",
    "data_warehouse.view_order",
    "binance_mock.view_simulatedbalance",
    "engine.view_engineheartbeat",
)

# A control's name → the permission it takes besides viewing the desk.
CONTROL_PERMISSIONS = {
    "start_trading": "naive.change_tradingsettings",
    "stop_trading": "naive.change_tradingsettings",
    "shutdown_trading": "naive.change_tradingsettings",
    "start_streaming": "streamer.change_streamingsettings",
    "stop_streaming": "streamer.change_streamingsettings",
}


@dataclass(frozen=True)
class Route:
    """One desk URL: how it is reached and the permissions it takes (staff login always)."""

    path: str
    method: str  # GET, POST, or WEBSOCKET
    permissions: tuple[str, ...]  # all of them, besides being active staff
    what: str


ROUTES = (
    Route("/desk/", "GET", VIEW_PERMISSIONS, "the desk page"),
    Route("/desk/control/", "POST", VIEW_PERMISSIONS, "a control (CSRF token): also CONTROL_PERMISSIONS[control]"),
    Route("/ws/desk/", "WEBSOCKET", VIEW_PERMISSIONS, "live updates of the desk"),
)


def is_desk_user(user: object) -> bool:
    """An active staff user, as the admin requires."""
    return bool(getattr(user, "is_active", False) and getattr(user, "is_staff", False))


def can_view(user: object) -> bool:
    """Whether ``user`` may open the desk and its websocket (reads permissions from the database)."""
    return is_desk_user(user) and user.has_perms(VIEW_PERMISSIONS)  # type: ignore[attr-defined]


def can_control(user: object, control: str) -> bool:
    """Whether ``user`` may use ``control`` (one of CONTROL_PERMISSIONS)."""
    permission = CONTROL_PERMISSIONS.get(control)
    return permission is not None and can_view(user) and user.has_perm(permission)  # type: ignore[attr-defined]

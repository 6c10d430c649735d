"""Doors into the system and who may pass them: the vocabulary of tests/test_doors.py.

A door is one way a person reaches the system: an admin page, a form post, an admin action, a
custom view (later the desk's pages and its websocket). Each names the permission it needs, and
the test knocks on every door as every kind of user, expecting exactly what that permission says.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth.models import Permission
from django.http import HttpResponse
from django.test import Client

from tests.support.factories import UserFactory

PUBLIC = "anyone"  # no login needed (the login page)
STAFF = "any staff user"  # a staff login is enough
NOBODY = "nobody"  # refused to every user, however many permissions they hold

LOGIN = "sent to log in"
OK = "let in"
REFUSED = "refused"


@dataclass(frozen=True)
class Door:
    """One request a user can make, and what it needs.

    ``needs`` is a permission (``app.codename``), an app (``app:<label>``: any permission in it),
    or PUBLIC, STAFF or NOBODY. A door whose request changes something has ``acted``: a check
    that the change happened, given the test's rows and run after the request (a refused request
    must leave no change).
    """

    name: str
    path: str  # may hold {pk} and {content_type}: filled from the test's objects
    needs: str
    method: str = "get"
    data: dict[str, object] = field(default_factory=dict)
    acted: Callable[[dict[str, object]], bool] | None = None
    let_in: tuple[int, ...] = (200,)  # statuses of a request let in (without ``acted``)
    refused_with: int = 403  # the status of a refused request (without ``acted``)
    outsiders_to: str = "/admin/login/"  # where anonymous and non-staff users are sent

    def knock(self, client: Client, values: dict[str, object]) -> HttpResponse:
        """Make the door's request with ``client``."""
        path = self.path.format(**values)
        data = {key: value.format(**values) if isinstance(value, str) else value for key, value in self.data.items()}
        return getattr(client, self.method)(path, data)

    def answer(self, response: HttpResponse, values: dict[str, object]) -> str:
        """What happened to the request: sent to log in, let in, refused (or the unexpected status)."""
        acted = None if self.acted is None else self.acted(values)
        if response.status_code == 302 and response["Location"].startswith(self.outsiders_to) and not acted:
            return LOGIN
        if acted is not None:
            return OK if acted else REFUSED
        if response.status_code in self.let_in:
            return OK
        if response.status_code == self.refused_with:
            return REFUSED
        return f"HTTP {response.status_code}"


@dataclass(frozen=True)
class Visitor:
    """A kind of user: whether they can log in, are staff, and which permissions they hold."""

    name: str
    logged_in: bool = True
    staff: bool = False
    permissions: tuple[str, ...] = ()  # codename prefixes: "view_", "change_", … ("" for all)

    def user(self):
        """The user (None for anonymous), created with the visitor's permissions."""
        if not self.logged_in:
            return None
        user = UserFactory(username=self.name, is_staff=self.staff)
        for prefix in self.permissions:
            user.user_permissions.add(*Permission.objects.filter(codename__startswith=prefix))
        return type(user).objects.get(pk=user.pk)  # a fresh instance: no cached permissions

    def expects(self, door: Door, user) -> str:
        """What the door should do for this visitor."""
        if door.needs == PUBLIC:
            return OK
        if user is None or not user.is_staff:
            return LOGIN
        if door.needs == STAFF:
            return OK
        if door.needs == NOBODY:
            return REFUSED
        if door.needs.startswith("app:"):
            return OK if user.has_module_perms(door.needs.removeprefix("app:")) else REFUSED
        return OK if user.has_perm(door.needs) else REFUSED


VISITORS = [
    Visitor("anonymous", logged_in=False),
    Visitor("non-staff", permissions=("view_", "change_")),  # permissions alone do not open the admin
    Visitor("staff", staff=True),  # staff, no permission at all
    Visitor("viewer", staff=True, permissions=("view_",)),
    Visitor("changer", staff=True, permissions=("view_", "change_")),
    Visitor("everything", staff=True, permissions=("",)),  # every permission, yet not a superuser
]

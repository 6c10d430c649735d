"""The desk page and its controls: staff only, with the admin's permissions and CSRF protection."""

from django.conf import settings
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from desk import access, picture
from desk.consumers import PUSHES_PER_SECOND
from naive import services as trading
from streamer import services as streaming
from tuning.selectors import latest_studies

CONTROLS = {
    "start_trading": (trading.start_trading, trading.TradingControlError),
    "stop_trading": (trading.stop_trading, trading.TradingControlError),
    "shutdown_trading": (trading.shutdown_trading, trading.TradingControlError),
    "start_streaming": (streaming.start_streaming, streaming.StreamingControlError),
    "stop_streaming": (streaming.stop_streaming, streaming.StreamingControlError),
}


@require_GET
@staff_member_required
def desk(request: HttpRequest) -> HttpResponse:
    """The desk: the database's picture now, then live updates over the websocket."""
    if not access.can_view(request.user):
        raise PermissionDenied("viewing the desk takes the view permissions of the models it shows")
    context = {
        "picture": picture.from_database(settings.EXCHANGE),
        "controls": {name: access.can_control(request.user, name) for name in CONTROLS},
        "pushes_per_second": PUSHES_PER_SECOND,
        # The searches are read once per page: a study changes by the minute, not by the trade.
        "studies": latest_studies() if request.user.has_perm("tuning.view_study") else None,
    }
    return render(request, "desk/desk.html", context)


@require_POST
@staff_member_required
def control(request: HttpRequest) -> HttpResponse:
    """Start, stop or shut down trading, or start or stop streaming, of one symbol."""
    name, symbol = request.POST.get("control", ""), request.POST.get("symbol", "")
    if name not in CONTROLS:
        return _answer(request, False, f"unknown control {name!r}: one of {', '.join(CONTROLS)}", status=400)
    if not access.can_control(request.user, name):
        raise PermissionDenied(f"{name} takes the permission {access.CONTROL_PERMISSIONS[name]}")
    action, refused = CONTROLS[name]
    try:
        said = action(symbol=symbol)
    except refused as error:
        return _answer(request, False, str(error), status=400)
    return _answer(request, True, said)


def _answer(request: HttpRequest, ok: bool, text: str, status: int = 200) -> HttpResponse:
    if request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse({"ok": ok, "message": text}, status=status)
    messages.add_message(request, messages.SUCCESS if ok else messages.ERROR, text)
    return redirect("desk:desk")

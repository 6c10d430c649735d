"""The commands' side of engine control: nudge the running engines, and tell the user what happened.

Control commands change the desired state in the database, then nudge the engines through the
``engine.control`` group and wait for their answers. When no engine can hear them (none runs, or
it runs in another process on the in-memory layer), they say when the change will apply.
"""

import asyncio
import time
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.conf import settings

from core.groups import ENGINE_CONTROL_GROUP
from engine import registry, selectors
from engine.messages import RECONCILE

ANSWER_TIMEOUT = 15.0
SAVED_WITHIN = 2.0  # seconds a command takes at most from saving a change to asking the engines


def engine_reachable() -> bool:
    """Whether a nudge can reach a live engine: same process, or a shared (Redis) layer."""
    if registry.any_local():
        return True
    return bool(selectors.live_engines()) and not isinstance(get_channel_layer(), InMemoryChannelLayer)


async def ask_engines(request: dict[str, Any], expected: int, timeout: float = ANSWER_TIMEOUT) -> list[dict[str, Any]]:
    """Send a control request to the engines; return the answers of up to ``expected`` of them."""
    layer = get_channel_layer()
    reply_to = await layer.new_channel()
    await layer.group_send(ENGINE_CONTROL_GROUP, {**request, "reply_to": reply_to})
    answers: list[dict[str, Any]] = []
    deadline = asyncio.get_running_loop().time() + timeout
    while len(answers) < expected:
        remaining = deadline - asyncio.get_running_loop().time()
        try:
            answers.append(await asyncio.wait_for(layer.receive(reply_to), max(0.0, remaining)))
        except TimeoutError:
            break
    return answers


def apply_now(what: str, symbol: str | None = None, *, runner: bool = False) -> str:
    """Nudge the engines to apply a change of the desired state; returns sentences for the user.

    With a ``symbol``, the answers tell what the engines did for it (a periodic check that came
    first included); with ``runner``, also which engine runs it now.
    """
    if not engine_reachable():
        engines = selectors.live_engines()
        if not engines:
            return f"No engine is running: {what} takes effect when `manage.py runengine` starts."
        return (
            f"The engine {selectors.describe(engines[0])} applies {what} "
            f"within {settings.ENGINE_POLL_SECONDS:g} s, at its next check."
        )
    expected = 1 if registry.any_local() else max(1, len(selectors.live_engines()))
    request: dict[str, Any] = {"type": RECONCILE}
    if symbol is not None:  # what the engines did for it since the change was saved, a periodic check's too
        request.update(symbol=symbol, since=time.time() - settings.ENGINE_POLL_SECONDS - SAVED_WITHIN)
    answers = async_to_sync(ask_engines)(request, expected)
    if not answers:
        return f"The engine did not answer within {ANSWER_TIMEOUT:g} s; it applies {what} at its next check."
    runs = _runner(symbol) if runner and symbol is not None else ""
    return " ".join([*(_applied(answer, len(answers)) for answer in answers), runs]).strip()


def _applied(answer: dict[str, Any], engines: int) -> str:
    changes = answer.get("changes") or []
    done = "; ".join(changes) if changes else "nothing needed to change"
    who = "The engine" if engines == 1 else f"Engine {answer.get('engine', '?')}"
    return f"{who} applied it: {done}."


def _runner(symbol: str) -> str:
    engine = selectors.runner_of(symbol)
    if engine is None:
        return f"No engine holds {symbol} yet; the next to check takes it."
    return f"{symbol} runs on engine {selectors.describe(engine)}."

"""Actors hand each message to the handler marked for its type; the rest go to on_unknown."""

import pytest

from core.actors.actor import Actor, handles


class Recorder(Actor):
    def __init__(self) -> None:
        self.seen: list[tuple[str, object]] = []

    @handles("greet.hello", "greet.hi")
    async def greet(self, message):
        self.seen.append(("greet", message["type"]))

    @handles("count.up")
    async def count(self, message):
        self.seen.append(("count", message.get("by")))

    async def on_unknown(self, message):
        self.seen.append(("unknown", message.get("type")))


class Louder(Recorder):
    @handles("count.up")
    async def count_twice(self, message):
        self.seen.append(("twice", message.get("by")))


@pytest.mark.parametrize(
    ("message", "seen"),
    [
        ({"type": "greet.hello"}, ("greet", "greet.hello")),
        ({"type": "greet.hi"}, ("greet", "greet.hi")),
        ({"type": "count.up", "by": 2}, ("count", 2)),
        ({"type": "count.down"}, ("unknown", "count.down")),
        ({"type": "on_start"}, ("unknown", "on_start")),  # a method's name is not a message type
        ({"type": "greet"}, ("unknown", "greet")),
        ({"type": ["greet.hi"]}, ("unknown", ["greet.hi"])),  # not hashable, not a type
        ({}, ("unknown", None)),
    ],
)
async def test_messages_reach_the_handler_of_their_type(message, seen):
    actor = Recorder()
    await actor.on_message(message)
    assert actor.seen == [seen]


async def test_a_subclass_inherits_handlers_and_may_replace_one():
    actor = Louder()
    await actor.on_message({"type": "greet.hi"})
    await actor.on_message({"type": "count.up", "by": 1})
    assert actor.seen == [("greet", "greet.hi"), ("twice", 1)]
    assert Recorder.handlers["count.up"] == "count"  # the parent is unchanged

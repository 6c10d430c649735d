"""channels-redis' pub/sub layer, with the publishes of one event loop turn sent together."""

import asyncio
from typing import Any

from channels_redis.pubsub import RedisPubSubChannelLayer, RedisPubSubLoopLayer, RedisSingleShardConnection
from channels_redis.utils import _wrap_close


class PipelinedShardConnection(RedisSingleShardConnection):
    """One Redis server's connection whose publishes share round trips.

    The stock connection holds a lock across each PUBLISH and its reply, so a process publishes
    one message per round trip and its event loop idles in between: with 200 symbols that was
    the largest cost of a trade event under load (``bench/load.py``). Here publishes wait in an
    outbox, in the order they were made, and one task sends everything waiting as a pipeline
    (one write, one read of all replies) and tells each publisher how its message fared. Order
    is kept: a publisher that awaits each publish sends in order, and the outbox is first in,
    first out. A failure reaches every publisher of that pipeline, as a failed PUBLISH would.
    """

    def __init__(self, host: Any, channel_layer: Any) -> None:
        super().__init__(host, channel_layer)
        self._outbox: list[tuple[str, bytes, asyncio.Future]] = []
        self._sender: asyncio.Task | None = None

    async def publish(self, channel: str, message: bytes) -> None:
        done = asyncio.get_running_loop().create_future()
        self._outbox.append((channel, message, done))
        if self._sender is None or self._sender.done():
            self._sender = asyncio.create_task(self._send_waiting())
        await done

    async def flush(self) -> None:
        if self._sender is not None:
            self._sender.cancel()
            await asyncio.gather(self._sender, return_exceptions=True)
            self._sender = None
        self._fail(self._take(), ConnectionError("the channel layer was flushed before this message was sent"))
        await super().flush()

    async def _send_waiting(self) -> None:
        while self._outbox:
            batch = self._take()
            try:
                async with self._lock:
                    self._ensure_redis()
                    pipeline = self._redis.pipeline(transaction=False)
                    for channel, message, _ in batch:
                        pipeline.publish(channel, message)
                    await pipeline.execute()
            except asyncio.CancelledError:
                self._fail(batch, ConnectionError("the channel layer closed before this message was sent"))
                raise
            except Exception as error:
                self._fail(batch, error)
                continue
            for *_, done in batch:
                if not done.done():
                    done.set_result(None)

    def _take(self) -> list[tuple[str, bytes, asyncio.Future]]:
        batch, self._outbox = self._outbox, []
        return batch

    @staticmethod
    def _fail(batch: list[tuple[str, bytes, asyncio.Future]], error: BaseException) -> None:
        for *_, done in batch:
            if not done.done():
                done.set_exception(error)


class PipelinedPubSubLoopLayer(RedisPubSubLoopLayer):
    """The pub/sub layer of one event loop, on pipelined connections."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._shards = [PipelinedShardConnection(shard.host, self) for shard in self._shards]


class PipelinedPubSubChannelLayer(RedisPubSubChannelLayer):
    """channels-redis' ``RedisPubSubChannelLayer`` with pipelined publishes (same settings)."""

    def _get_layer(self) -> RedisPubSubLoopLayer:
        loop = asyncio.get_running_loop()
        layer = self._layers.get(loop)
        if layer is None:
            layer = self._layers[loop] = PipelinedPubSubLoopLayer(*self._args, **self._kwargs, channel_layer=self)
            _wrap_close(self, loop)
        return layer

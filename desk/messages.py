"""What travels between the engine's desk publisher and the browsers' websocket consumers."""

DESK_GROUP = "desk.updates"  # the publisher's patches, for every connected consumer
DESK_REQUESTS_GROUP = "desk.requests"  # consumers ask the publisher for its whole picture here

PATCH = "desk.patch"  # {"patch": {...}}: what changed since the last patch (numbered: see core.actors.sequence)
PICTURE = "desk.picture"  # {"picture": {...}}: everything the publisher knows, sent to one consumer
RESYNC = "desk.resync"  # {"reply_to": channel}: a consumer asks for a picture
SYMBOLS = "desk.symbols"  # {"symbols": [...]}: the engine tells the publisher which symbols to follow

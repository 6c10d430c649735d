"""The control protocol between commands and engines, over the ``engine.control`` group."""

RECONCILE = "engine.reconcile"  # apply the desired state now; answered with RECONCILED
RECONCILED = "engine.reconciled"
TICK = "engine.tick"  # the engine's own periodic check
QUIESCE = "engine.quiesce"  # answer QUIET once every actor is idle
QUIET = "engine.quiet"

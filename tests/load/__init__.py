"""``make load``: the local cloud under a day's traffic compressed in time (docs/scale.md)."""

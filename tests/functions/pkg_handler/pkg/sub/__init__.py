"""Subpackage for `pkg.sub.deeper.handler` (the handler name is split at its last dot)."""

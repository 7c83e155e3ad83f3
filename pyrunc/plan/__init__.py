"""Pure planning: config dict -> frozen dataclasses the apply layer uses.
No I/O here, so every rule is unit-testable."""

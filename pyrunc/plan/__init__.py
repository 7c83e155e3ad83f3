"""Pure planning: config dict -> frozen records (pyrunc.record) the apply layer uses.
No I/O here, so every rule is unit-testable."""

"""Review: what-if replay, recommended targets and capacity."""

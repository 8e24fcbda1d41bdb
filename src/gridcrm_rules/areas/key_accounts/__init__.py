"""The key accounts area: its packs, facts and columnar twins (docs/architecture.md)."""

"""The callbacks area: its packs, facts and columnar twins (docs/architecture.md)."""

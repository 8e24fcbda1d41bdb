"""The service quality area: its packs, facts and columnar twins (docs/architecture.md)."""

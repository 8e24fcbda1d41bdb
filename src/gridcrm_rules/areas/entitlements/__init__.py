"""The entitlements area: its packs, facts and columnar twins (docs/architecture.md)."""

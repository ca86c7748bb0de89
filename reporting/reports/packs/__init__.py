"""Packs: reports of several sections (the monthly performance pack, the annual report)."""

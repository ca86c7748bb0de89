"""Exporters: titled, scoped sources of typed rows, rendered to CSV, XLSX or PDF."""

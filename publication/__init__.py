"""Publication of performance to residents (issue 20, items 4 to 6): which indicators the
SMT publishes, the public portal at /public/ and its open data.

Layering: ``publication.models`` and ``publication.services`` build on ``departments``
only; the selectors, pages and API read ``reporting`` (charts, direction of travel) as
well. Nothing in departments or partnerships imports this app.
"""

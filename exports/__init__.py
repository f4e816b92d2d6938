"""Exports for briefings: chart images, formatted Excel, the report paragraph and a .pptx pack.

Everything here takes what the pages already hold (Altair charts from the charts package, display
frames from metrics.present.table, a scoped `fetch`), so an export shows exactly the viewer's
scope and the same figures as the screen.
"""


class ExportError(RuntimeError):
    """An export that cannot be produced correctly; the message is Chinese, for the user."""

"""What the export package raises."""


class ExportError(Exception):
    """An export could not be made; the message says why and what to do."""

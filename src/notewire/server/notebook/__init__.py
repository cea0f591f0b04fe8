"""The server-side notebook document (docs/notebook-protocol.md, section 1). Pure: no
sockets, no asyncio.

    nb = parse_notebook(path.read_bytes())
    doc = new_document(nb, trusted=notary.is_trusted(nb))
    OutputWriter(doc).apply(cell_id, stream_content)
    path.write_bytes(serialize_notebook(to_notebook(doc, like=nb)))

`ipynb` reads and writes files, `schema` maps a notebook to the shared document and
back, `outputs` applies kernel output to it (`stream` merges stream text), `trust` is
Jupyter's signature database.
"""

from .ipynb import NotebookFormatError, new_cell_id, parse_notebook, serialize_notebook
from .outputs import OutputContent, OutputLimits, OutputWriter, stream_text
from .schema import (
    CELL_TYPES,
    cell_index,
    cell_source,
    cells_array,
    code_cells,
    get_cell,
    json_safe,
    meta_map,
    new_cell,
    new_document,
    number_types_matter,
    output_map,
    to_notebook,
)
from .trust import Notary

__all__ = [
    "CELL_TYPES",
    "NotebookFormatError",
    "Notary",
    "OutputContent",
    "OutputLimits",
    "OutputWriter",
    "cell_index",
    "cell_source",
    "cells_array",
    "code_cells",
    "get_cell",
    "json_safe",
    "meta_map",
    "new_cell",
    "new_cell_id",
    "new_document",
    "number_types_matter",
    "output_map",
    "parse_notebook",
    "serialize_notebook",
    "stream_text",
    "to_notebook",
]

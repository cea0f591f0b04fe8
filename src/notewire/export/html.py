"""Notebook -> one self-contained HTML file: nbconvert's HTMLExporter with the `lab`
template, its CDN scripts (require.js, MathJax, mermaid, the widget manager) left out,
and notewire's own built KaTeX script, stylesheet and (when used) Plotly and Vega
inlined instead. The file makes no request."""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import jinja2
from nbconvert.exporters import HTMLExporter, TemplateExporter
from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

from notewire.export.assets import asset
from notewire.export.highlight import Highlighter
from notewire.export.outputs import prepare
from notewire.export.widgets import STATE_MIME

# The lab template with everything that would load from a CDN taken out, and code
# inputs highlighted without bleach (highlight.py); the inlined styles come last so that
# they win over lab's own.
TEMPLATE = """\
{%- extends 'index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block input -%}
<div class="jp-CodeMirrorEditor jp-Editor jp-InputArea-editor" data-type="inline">
     <div class="cm-editor cm-s-jupyter">
{{ cell.source | highlight_code(metadata=cell.metadata) }}
     </div>
</div>
{%- endblock input -%}
{%- block html_head_css -%}
<style type="text/css">
{{ resources.notewire_css }}
</style>
{%- endblock html_head_css -%}
{%- block any_cell -%}
<!--notewire-cell-->
{{ super() }}
{%- endblock any_cell -%}
{% block body_footer %}
<!--notewire-cells-end-->
{{ super() }}
{% endblock body_footer %}
{% block footer_js %}
<!--notewire-scripts-->
{% endblock footer_js %}
"""
# Where each cell starts and where the last one ends: pdf_parts.py cuts the page there.
CELL_MARKER = "<!--notewire-cell-->"
CELLS_END = "<!--notewire-cells-end-->"
# The scripts go in after the page is rendered and its images given alt text, so that
# the text of the scripts is never rewritten.
SCRIPTS_MARKER = "<!--notewire-scripts-->"


IMG_WITHOUT_ALT = re.compile(r"<img\b(?![^>]*\balt=)")
INPUT_WRAPPER = '<div class="jp-Cell-inputWrapper">'
OUTPUT_DIV = re.compile(r'<div class="([^"]*\bjp-OutputArea-output\b[^"]*)"')


class _Exporter(HTMLExporter):
    """HTMLExporter without its slow steps (bench/export.py, a 500-cell 5 MB notebook):
    - its last one, which parses the whole page with BeautifulSoup to give images an alt
      text and cells a tabindex (most of nbconvert's time): the same attributes are
      added here to the rendered text;
    - validating the whole notebook against its JSON schema after each of its dozen
      preprocessors (2 s): none of them makes an invalid notebook, and the file was
      validated when it was read;
    - a Pygments formatter and lexer made per cell (highlight.py).
    """

    def _validate_preprocessor(self, nbc: Any, preprocessor: Any) -> None:
        return None

    def from_notebook_node(
        self, nb: Any, resources: dict[str, Any] | None = None, **kw: Any
    ) -> tuple[str, dict[str, Any]]:
        langinfo = nb.metadata.get("language_info", {})
        lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
        highlight = self.filters.get("highlight_code", Highlighter(lexer))
        resources = self._init_resources(resources)
        data_type = WidgetsDataTypeFilter(
            notebook_metadata=self._nb_metadata, parent=self, resources=resources
        )
        self.register_filter("highlight_code", highlight)
        self.register_filter("filter_data_type", data_type)
        html, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
        return _accessible(html), resources


def _accessible(html: str) -> str:
    """What HTMLExporter adds with BeautifulSoup: alt text on images that have none,
    and cell inputs and outputs reachable with Tab."""
    html = IMG_WITHOUT_ALT.sub('<img alt="No description has been provided for this image"', html)
    html = html.replace(INPUT_WRAPPER, INPUT_WRAPPER[:-1] + ' tabindex="0">')
    return OUTPUT_DIV.sub(r'<div class="\1" tabindex="0"', html)


def _exporter(no_input: bool) -> HTMLExporter:
    exporter = _Exporter(
        template_name="lab",
        template_file="notewire.html.j2",
        extra_loaders=[jinja2.DictLoader({"notewire.html.j2": TEMPLATE})],
        embed_images=True,
        exclude_input=no_input,
        exclude_input_prompt=no_input,
    )
    return exporter


def to_html(nb: Any, *, no_input: bool = False, name: str = "Notebook", folder: str = "") -> str:
    """Renders notebook `nb` (an nbformat NotebookNode, left unchanged) as HTML text.

    `name` is the title when the notebook's metadata has none; `folder` is where images
    that markdown links to by relative path are read from. Raises ExportError when the
    frontend build is missing.
    """
    nb = copy.deepcopy(nb)
    libraries = prepare(nb)
    scripts = [asset("export-math.js")]
    scripts += [asset(f"export-{library}.js") for library in sorted(libraries)]
    css = asset("export.css")
    state = ""
    if "widgets" in libraries:
        css = asset("export-widgets-style.css") + "\n" + css
        saved = nb.metadata.get("widgets", {}).get(STATE_MIME, {})
        text = json.dumps(saved).replace("</", "<\\/")
        state = f'<script type="{STATE_MIME}">{text}</script>\n'
    resources = {"metadata": {"name": name, "path": folder}, "notewire_css": css}
    body, _ = _exporter(no_input).from_notebook_node(nb, resources=resources)
    head, marker, tail = body.rpartition(SCRIPTS_MARKER)
    if not marker:
        raise AssertionError("the notewire template lost its scripts marker")
    return head + state + "".join(f"<script>\n{script}\n</script>\n" for script in scripts) + tail

"""Notebook -> one self-contained HTML file: nbconvert's HTMLExporter with the `lab`
template, its CDN scripts (require.js, MathJax, mermaid, the widget manager) left out,
and notewire's own built KaTeX script, stylesheet and (when used) Plotly and Vega
inlined instead. The file makes no request."""

from __future__ import annotations

import copy
from typing import Any

import jinja2
from nbconvert.exporters import HTMLExporter

from notewire.export.assets import asset
from notewire.export.outputs import prepare

# The lab template with everything that would load from a CDN taken out; the inlined
# styles come last so that they win over lab's own.
TEMPLATE = """\
{%- extends 'index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block html_head_css -%}
<style type="text/css">
{{ resources.notewire_css }}
</style>
{%- endblock html_head_css -%}
{% block footer_js %}
{%- for script in resources.notewire_scripts %}
<script>
{{ script }}
</script>
{%- endfor %}
{% endblock footer_js %}
"""


def _exporter(no_input: bool) -> HTMLExporter:
    exporter = HTMLExporter(
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
    resources = {
        "metadata": {"name": name, "path": folder},
        "notewire_css": asset("export.css"),
        "notewire_scripts": scripts,
    }
    body, _ = _exporter(no_input).from_notebook_node(nb, resources=resources)
    return body

"""Panel components render with no network: every resource inline (issue 11, notebooks offline).

The page is saved the way a notebook loads it with `aiuteur.notebook.panel_offline` (inline resources)
and opened in chromium with every http(s) request refused: a component that needs a CDN renders nothing.
"""
from __future__ import annotations

import pandas as pd
import panel as pn
import pytest
from bokeh.resources import INLINE

pytestmark = pytest.mark.browser


def _refuse_network(page) -> list[str]:
    refused: list[str] = []

    def handle(route):
        if route.request.url.startswith(("http://", "https://")):
            refused.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    page.route("**/*", handle)
    return refused


@pytest.mark.parametrize("inline", [True, False])
def test_tabulator_renders_without_network_only_when_inline(tmp_path, page, inline):
    table = pn.widgets.Tabulator(pd.DataFrame({"shot": ["SC010_SH0010", "SC010_SH0020"], "seconds": [4.0, 3.5]}))
    layout = pn.Column(pn.pane.Markdown("## Shots"), table)
    html = tmp_path / "page.html"
    layout.save(html, resources=INLINE if inline else "cdn", embed=False)
    refused = _refuse_network(page)
    page.goto(html.as_uri())
    rendered = page.locator(".tabulator-cell", has_text="SC010_SH0020")
    if inline:
        rendered.first.wait_for(timeout=30_000)
        assert page.locator(".tabulator-row").count() == 2
    else:  # the control: the same page from a CDN shows nothing offline, so the test can fail
        page.wait_for_timeout(3_000)
        assert rendered.count() == 0 and refused


def _kernel_outputs(code: str) -> list[dict]:
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    NotebookClient(nb, timeout=180, kernel_name="python3").execute()
    return nb.cells[0].outputs


@pytest.mark.parametrize("offline", [True, False])
def test_notebook_load_defines_every_library_without_network(tmp_path, page, offline):
    """What a notebook cell publishes, run in order as JupyterLab runs it, on a page with no network."""
    code = ("from aiuteur.notebook import panel_offline\npanel_offline('tabulator')" if offline
            else "import panel as pn\npn.extension('tabulator')")
    parts = []
    for out in _kernel_outputs(code):
        data = out.get("data", {})
        if "application/javascript" in data:
            parts.append("<script>" + data["application/javascript"].replace("</script>", "<\\/script>") + "</script>")
        elif "text/html" in data:
            parts.append(data["text/html"])
    html = tmp_path / "outputs.html"
    html.write_text("<!doctype html><html><body>" + "\n".join(parts) + "</body></html>", encoding="utf-8")
    refused = _refuse_network(page)
    page.goto(html.as_uri())
    page.wait_for_timeout(2_000)
    loaded = page.evaluate("() => [typeof window.Bokeh, typeof window.Tabulator, typeof window.luxon]")
    if offline:
        assert loaded == ["object", "function", "object"] and not refused, (loaded, refused[:3])
    else:  # the control: Panel's default asks a CDN for its libraries
        assert refused

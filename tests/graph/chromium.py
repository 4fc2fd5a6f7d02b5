"""Load a graph page in headless Chromium and read back what it drew.

The page is opened inside an ``<iframe>`` of a small harness page written
next to it; once both have loaded, the harness measures the drawing with the
browser's own geometry (``getBoundingClientRect``, ``getPointAtLength``,
computed styles) and writes the figures into its DOM as JSON, which
``--dump-dom`` prints. The graph page itself carries no test code.
"""

from __future__ import annotations

import html
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("REMODEL_CHROMIUM", "/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
    # The harness reads the graph page's DOM; both are file:// pages.
    "--allow-file-access-from-files",
    "--virtual-time-budget=10000",
]

_HARNESS = """<!DOCTYPE html>
<html><head><meta charset="utf-8"></head><body>
<iframe id="page" src="%(src)s" width="1600" height="1200"></iframe>
<script>
window.addEventListener("load", function () {
  var doc = document.getElementById("page").contentDocument;
  var win = doc.defaultView;
  var facts = {nodes: {}, edges: [], resources: [], title: doc.title};
  doc.querySelectorAll("g.node").forEach(function (g) {
    var circle = g.querySelector("circle.dot-base").getBoundingClientRect();
    var ring = g.querySelector("circle.ring");
    var label = g.querySelector("text.label");
    var box = label.getBoundingClientRect();
    facts.nodes[g.getAttribute("data-rev")] = {
      classes: Array.prototype.slice.call(g.classList),
      cx: circle.left + circle.width / 2, cy: circle.top + circle.height / 2,
      r: circle.width / 2,
      fill: win.getComputedStyle(g.querySelector("circle.dot-base")).fill,
      ring: ring ? win.getComputedStyle(ring).stroke : null,
      label: [box.left, box.top, box.right, box.bottom],
      text: label.textContent
    };
  });
  doc.querySelectorAll("path.edge").forEach(function (p) {
    var m = p.getScreenCTM(), n = p.getTotalLength();
    var a = p.getPointAtLength(0), b = p.getPointAtLength(n);
    facts.edges.push({
      source: p.getAttribute("data-from"), target: p.getAttribute("data-to"),
      depends: p.classList.contains("depends"),
      start: [a.x * m.a + m.e, a.y * m.d + m.f], end: [b.x * m.a + m.e, b.y * m.d + m.f],
      stroke: win.getComputedStyle(p).stroke
    });
  });
  win.performance.getEntriesByType("resource").forEach(function (e) {
    facts.resources.push(e.name);
  });
  var out = document.createElement("pre");
  out.id = "facts";
  out.textContent = JSON.stringify(facts);
  document.body.appendChild(out);
});
</script></body></html>
"""


def chromium_or_skip() -> str:
    """The Chromium binary; a missing one skips, or fails under CI=true (see ``make chromium``)."""
    found = CHROMIUM if os.access(CHROMIUM, os.X_OK) else shutil.which("chromium")
    if found:
        return found
    message = f"Chromium is not installed at {CHROMIUM}: run 'make chromium' (Debian's package)."
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


def _run(binary: str, profile: Path, *args: str) -> str:
    done = subprocess.run(
        [binary, *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True, text=True, timeout=120, check=False,
    )
    if done.returncode != 0:
        raise AssertionError(f"chromium exited {done.returncode}: {done.stderr[-2000:]}")
    return done.stdout


def measure(page: Path, work: Path) -> dict[str, Any]:
    """What Chromium drew for *page*: ``nodes`` by revision, ``edges``, ``resources``."""
    binary = chromium_or_skip()
    harness = work / "harness.html"
    harness.write_text(_HARNESS % {"src": page.resolve().as_uri()}, encoding="utf-8")
    dom = _run(binary, work / "profile", "--dump-dom", harness.resolve().as_uri())
    start = dom.find('<pre id="facts">')
    assert start >= 0, f"the harness wrote no facts; Chromium printed:\n{dom[:2000]}"
    raw = dom[start + len('<pre id="facts">') : dom.index("</pre>", start)]
    facts: dict[str, Any] = json.loads(html.unescape(raw))
    return facts


def screenshot(page: Path, png: Path, work: Path, size: str = "1000,700") -> Path:
    binary = chromium_or_skip()
    _run(
        binary, work / "profile", f"--window-size={size}", f"--screenshot={png}",
        page.resolve().as_uri(),
    )
    return png

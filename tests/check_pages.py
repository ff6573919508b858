"""Check the built book in a real browser: every page loaded in headless Chromium at 1400 and 1024 px.

Reports, per page and width: display math wider than its box (clipped, or scrolling sideways), code
and output blocks that scroll sideways (lines too long), tables wider than the text column, figures
shown smaller than they were drawn (fonts shrink with them), text that should have been rendered
but was not (a Markdown pipe table left as a paragraph of pipes, a ``$`` or another TeX delimiter
left in the text), and a page that scrolls sideways as a whole. Code cells are not searched for
TeX: a LaTeX string in Python is code, not unrendered math. Exit status 1 when anything is found.

Needs Chromium and its WebDriver (Debian: ``apt-get install chromium chromium-driver``); it talks to
chromedriver over its HTTP protocol, so no Python package is needed. The pages load MathJax from a
CDN; without network pass a local copy of MathJax 3 (the ``es5`` folder of the ``mathjax`` npm
package: ``npm pack mathjax@3 && tar xzf mathjax-3.*.tgz`` gives ``package/es5``) with
``--mathjax``, otherwise the math cannot be checked::

    python tests/check_pages.py _build/html --mathjax package/es5 [--screenshots DIR]

It is not part of the test suite (it needs a browser); run it after building the book.
"""

from __future__ import annotations

import argparse
import base64
import json
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

CDN = "https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-mml-chtml.js"
SKIP = {"genindex.html", "search.html", "py-modindex.html"}

MEASURE = r"""
const out = {math: [], code: [], tables: [], images: [], text: [], page_scroll: 0};
const main = document.querySelector("main") || document.body;
// The text column: the article's content box (its width less its padding), where paragraphs go.
const article = document.querySelector("article.bd-article") || main;
const ar = article.getBoundingClientRect(), as = getComputedStyle(article);
const col = {left: ar.left + parseFloat(as.paddingLeft), right: ar.right - parseFloat(as.paddingRight)};
col.width = col.right - col.left;
const clipper = (el) => {
  for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
    const s = getComputedStyle(a);
    if (s.overflowX !== "visible") return a;
  }
  return null;
};
const label = (el) => {
  for (let sec = el.closest("section"); sec; sec = sec.parentElement.closest("section")) {
    const h = sec.querySelector(":scope > h1, :scope > h2, :scope > h3");
    if (h) return h.textContent.replace("#", "").trim().slice(0, 60);
  }
  return "";
};
for (const m of document.querySelectorAll('mjx-container[display="true"]')) {
  const inner = m.querySelector("mjx-math") || m;
  const w = inner.getBoundingClientRect().width;
  const box = clipper(m);
  const avail = box ? Math.min(box.getBoundingClientRect().width, col.width) : col.width;
  if (w > avail + 2 || inner.getBoundingClientRect().right > col.right + 2) {
    const s = box ? getComputedStyle(box).overflowX : "visible";
    out.math.push({where: label(m), width: Math.round(w), room: Math.round(avail),
                   how: (s === "auto" || s === "scroll") ? "scrolls" : "clipped",
                   tex: (m.getAttribute("aria-label") || m.textContent || "").slice(0, 70)});
  }
}
for (const p of document.querySelectorAll("div.highlight pre, div.cell_output pre, div.output pre")) {
  if (p.scrollWidth > p.clientWidth + 2 || p.getBoundingClientRect().right > col.right + 2) {
    const lines = p.textContent.split("\n");
    const longest = lines.reduce((a, b) => (b.length > a.length ? b : a), "");
    const kind = p.closest(".cell_output, .output") ? "output" : "code";
    out.code.push({where: label(p), kind: kind,
                   hidden_px: Math.max(p.scrollWidth - p.clientWidth,
                                       Math.round(p.getBoundingClientRect().right - col.right)),
                   longest: longest.length, line: longest.slice(0, 70)});
  }
}
for (const t of main.querySelectorAll("table")) {
  const r = t.getBoundingClientRect();
  if (r.width > col.width + 2 || r.right > col.right + 2)
    out.tables.push({where: label(t), width: Math.round(r.width), room: Math.round(col.width)});
}
for (const img of document.querySelectorAll("main img")) {
  if (img.naturalWidth > 0 && img.clientWidth > 0 && img.naturalWidth > 1.15 * img.clientWidth)
    out.images.push({where: label(img), drawn: img.naturalWidth, shown: img.clientWidth,
                     scale: +(img.clientWidth / img.naturalWidth).toFixed(2)});
}
// Text that should have been rendered: the prose, headings, captions and Markdown outputs, without
// code (inputs, printed outputs, inline code) and without typeset math.
const SKIP_TEXT = "pre, code, kbd, samp, script, style, textarea, mjx-container, .cell_input, " +
                  ".MathJax, .headerlink";
const PROSE = "p, li, dt, dd, td, th, h1, h2, h3, h4, h5, h6, figcaption, caption, blockquote";
for (const el of main.querySelectorAll(PROSE)) {
  // the outermost prose elements only, so that a paragraph in a list item is read once
  if (el.closest(SKIP_TEXT) || (el.parentElement && el.parentElement.closest(PROSE))) continue;
  const copy = el.cloneNode(true);
  copy.querySelectorAll(SKIP_TEXT).forEach((x) => x.remove());
  const text = copy.textContent;
  const problems = [];
  if (/\|\s*:?-{3,}:?\s*\|/.test(text) || /(^|\n)\s*\|[^|\n]*\|[^|\n]*\|/.test(text))
    problems.push("a Markdown table left as text");
  if (/\$/.test(text)) problems.push("a '$' left in the text");
  if (/\\\(|\\\)|\\\[|\\\]|\\begin\{|\\end\{/.test(text)) problems.push("a TeX delimiter left in the text");
  if (problems.length) {
    const i = Math.max(0, text.search(/\$|\||\\[()[\]]|\\begin/) - 20);
    out.text.push({where: label(el), what: problems.join(", "),
                   excerpt: text.slice(i, i + 70).replace(/\s+/g, " ")});
  }
}
out.page_scroll = document.documentElement.scrollWidth - document.documentElement.clientWidth;
out.mathjax = !!(window.MathJax && window.MathJax.startup);
return out;
"""

WAIT_MATH = """
const done = arguments[arguments.length - 1];
if (window.MathJax && MathJax.startup && MathJax.startup.promise)
  MathJax.startup.promise.then(() => done(true)).catch(() => done(false));
else done(false);
"""


class Driver:
    """A minimal W3C WebDriver client for chromedriver (enough for this check)."""

    def __init__(self, chromedriver: str, width: int, height: int):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.proc = subprocess.Popen([chromedriver, f"--port={self.port}"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                self._call("GET", "/status")
                break
            except OSError:
                time.sleep(0.1)
        caps = {"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                     f"--window-size={width},{height}", "--force-device-scale-factor=1"]}}}}
        self.session = self._call("POST", "/session", caps)["sessionId"]
        self._call("POST", f"/session/{self.session}/timeouts", {"script": 30000, "pageLoad": 60000})

    def _call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=120) as r:
            value = json.loads(r.read())["value"]
        return value

    def get(self, url):
        self._call("POST", f"/session/{self.session}/url", {"url": url})

    def run(self, script, asynchronous=False):
        kind = "async" if asynchronous else "sync"
        return self._call("POST", f"/session/{self.session}/execute/{kind}", {"script": script, "args": []})

    def screenshot(self, path: Path):
        path.write_bytes(base64.b64decode(self._call("GET", f"/session/{self.session}/screenshot")))

    def close(self):
        try:
            self._call("DELETE", f"/session/{self.session}")
        finally:
            self.proc.terminate()
            self.proc.wait(timeout=10)


def _stage(html: Path, mathjax: Path | None) -> Path:
    """A copy of the built book whose pages load MathJax from ``mathjax`` instead of the CDN."""
    tmp = Path(tempfile.mkdtemp(prefix="book-pages-"))
    site = tmp / "html"
    shutil.copytree(html, site)
    if mathjax is not None:
        script = (mathjax / "tex-mml-chtml.js").resolve()
        if not script.is_file():
            raise SystemExit(f"--mathjax: {script} not found (give the es5 folder of MathJax 3)")
        for page in site.rglob("*.html"):
            text = page.read_text(encoding="utf-8")
            if CDN in text:
                page.write_text(text.replace(CDN, script.as_uri()), encoding="utf-8")
    return site


def _report(name: str, r: dict) -> list[str]:
    lines = []
    for m in r["math"]:
        lines.append(f"  display math {m['how']}: {m['width']} px in {m['room']} px [{m['where']}] {m['tex']!r}")
    for c in r["code"]:
        lines.append(f"  {c['kind']} scrolls sideways: {c['hidden_px']} px hidden, longest line "
                     f"{c['longest']} chars [{c['where']}] {c['line']!r}")
    for t in r["tables"]:
        lines.append(f"  table wider than the column: {t['width']} px in {t['room']} px [{t['where']}]")
    for i in r["images"]:
        lines.append(f"  figure shrunk to {i['scale']:.0%} ({i['drawn']} px drawn, {i['shown']} px shown) [{i['where']}]")
    for t in r["text"]:
        lines.append(f"  {t['what']} [{t['where']}] {t['excerpt']!r}")
    if r["page_scroll"] > 0:
        lines.append(f"  the page scrolls sideways by {r['page_scroll']} px")
    return lines


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("html", nargs="?", default="_build/html", type=Path, help="the built book")
    ap.add_argument("--mathjax", type=Path, help="local MathJax 3 es5 folder (for offline checks)")
    ap.add_argument("--width", type=int, nargs="+", default=[1400, 1024],
                    help="window widths in px (default: 1400 1024)")
    ap.add_argument("--chromedriver", default=shutil.which("chromedriver") or "chromedriver")
    ap.add_argument("--screenshots", type=Path, help="save a screenshot of each page's top here")
    ap.add_argument("--json", type=Path, help="write the findings as JSON here")
    args = ap.parse_args(argv)
    if not (args.html / "index.html").is_file():
        raise SystemExit(f"{args.html}/index.html not found: build the book first")
    site = _stage(args.html, args.mathjax)
    pages = sorted(p for p in site.rglob("*.html")
                   if p.name not in SKIP and not {"_static", "_sources", "_modules"} & set(p.parts))
    findings, problems = {}, 0
    try:
        for width in args.width:
            driver = Driver(args.chromedriver, width, 1000)
            try:
                for page in pages:
                    name = page.relative_to(site).as_posix()
                    driver.get(page.as_uri())
                    rendered = driver.run(WAIT_MATH, asynchronous=True)
                    result = driver.run(MEASURE)
                    result["math_rendered"] = bool(rendered)
                    findings[f"{width}/{name}"] = result
                    lines = _report(name, result)
                    has_math = (site / name).read_text(encoding="utf-8").count('class="math')
                    if not rendered and has_math:
                        lines.insert(0, "  MathJax did not run: the math on this page was not "
                                        "checked (use --mathjax)")
                    problems += len(lines)
                    print(f"{name} at {width} px: {'ok' if not lines else f'{len(lines)} finding(s)'}")
                    print("\n".join(lines)) if lines else None
                    if args.screenshots:
                        args.screenshots.mkdir(parents=True, exist_ok=True)
                        shot = f"{width}_{name.replace('/', '_')[:-5]}.png"
                        driver.screenshot(args.screenshots / shot)
            finally:
                driver.close()
    finally:
        shutil.rmtree(site.parent, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps(findings, indent=1) + "\n", encoding="utf-8")
    widths = " and ".join(f"{w} px" for w in args.width)
    print(f"{len(pages)} pages at {widths}: {problems} finding(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

"""Render a worked solution as one HTML page with its math typeset by KaTeX, to read it as a
student would (and to check how it looks: formulas before numbers, matrices aligned).

    python docs/render_html.py examples/seed003/problem1.yaml -o problem1.html
    python docs/render_html.py examples/seed003/problem1.md -o problem1.html --katex DIR

The input is a problem file (solved with ``glassnet solve``) or a solution's Markdown. The
page loads KaTeX from ``--katex`` — a local copy of the ``katex`` npm package's ``dist/``
folder, for reading offline — or else from the jsDelivr CDN. Only the Markdown that
glassnet writes is understood: headings, paragraphs with ``$…$`` math, ``$$`` blocks.
"""
from __future__ import annotations

import argparse
import html
import re
import sys
from pathlib import Path

CDN = "https://cdn.jsdelivr.net/npm/katex@0.16.11/dist"

PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<link rel="stylesheet" href="{katex}/katex.min.css">
<script defer src="{katex}/katex.min.js"></script>
<script defer src="{katex}/contrib/auto-render.min.js"
  onload="renderMathInElement(document.body, {{delimiters: [
    {{left: '$$', right: '$$', display: true}}, {{left: '$', right: '$', display: false}}],
    throwOnError: false}});"></script>
<style>
body {{ font-family: 'DejaVu Serif', Georgia, serif; max-width: 52em; margin: 2em auto; padding: 0 1em;
       line-height: 1.5; color: #222; }}
h1 {{ font-size: 1.6em; }} h2 {{ border-bottom: 1px solid #ccc; }} h3 {{ color: #444; }}
.katex-display {{ overflow-x: auto; overflow-y: hidden; }}
</style></head>
<body>
{body}
</body></html>
"""

_INLINE = re.compile(r"(\$[^$]+\$)")


def _text(chunk: str) -> str:
    """Plain Markdown text: HTML-escaped, glassnet's \\* and \\_ escapes undone."""
    return html.escape(chunk.replace(r"\*", "*").replace(r"\_", "_"), quote=False)


def _paragraph(line: str) -> str:
    parts = _INLINE.split(line)
    return "".join(html.escape(p, quote=False) if p.startswith("$") else _text(p) for p in parts)


def markdown_to_html(md: str) -> str:
    """The body of the page for a solution's Markdown."""
    out, para, math = [], [], None
    for line in md.splitlines():
        if math is not None:
            if line.strip() == "$$":
                out.append('<div class="math">$$' + html.escape("\n".join(math), quote=False) + "$$</div>")
                math = None
            else:
                math.append(line)
            continue
        if line.strip() == "$$":
            math = []
            continue
        m = re.match(r"(#{1,6}) (.*)", line)
        if m or not line.strip():
            if para:
                out.append("<p>" + _paragraph(" ".join(para)) + "</p>")
                para = []
            if m:
                n = len(m.group(1))
                out.append(f"<h{n}>{_text(m.group(2))}</h{n}>")
            continue
        para.append(line)
    if para:
        out.append("<p>" + _paragraph(" ".join(para)) + "</p>")
    return "\n".join(out)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("file", help="a problem file (.yaml) or a solution (.md)")
    ap.add_argument("-o", "--output", help="the HTML file to write (default: beside the input)")
    ap.add_argument("--katex", help="a local katex/dist folder (default: the CDN)")
    args = ap.parse_args(argv)
    path = Path(args.file)
    if path.suffix in (".yaml", ".yml"):
        from glassnet.problems import solve
        md = solve(path)
    else:
        md = path.read_text(encoding="utf-8")
    title = next((l[2:] for l in md.splitlines() if l.startswith("# ")), path.stem)
    katex = Path(args.katex).resolve().as_uri() if args.katex else CDN
    out = Path(args.output) if args.output else path.with_suffix(".html")
    out.write_text(PAGE.format(title=html.escape(title), katex=katex, body=markdown_to_html(md)),
                   encoding="utf-8")
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Measure where a drawn Plotly chart's text lies, as the browser laid it out.

Each SVG text element of a chart (its title, axis titles, tick labels, legend items and
colour-bar text) is given a role and the box ``getBoundingClientRect`` reports; a chart
reads well when every box lies inside the chart (an SVG clips what falls outside it, so
"Nov 2026" would print "Nov 2") and no two boxes of different roles overlap (a tick label
under the legend, an axis title over the chart title). The data labels inside heatmap
cells are left out: they are drawn inside the plot area by construction.
"""

from __future__ import annotations

from dataclasses import dataclass

# Pixels a box may stray or overlap by before it counts: sub-pixel rounding of glyph
# boxes, not anything a reader would see.
TOLERANCE = 1.0

# Returns, for every chart under ``selector``, its bounds (the visible part of its outer
# SVG) and each text box with its role; roles are named for the reader of a failure.
MEASURE = """
(selector) => {
  const ROLES = [
    ["text.gtitle", "title"],
    ["text.xtitle, text.x2title", "x-axis title"],
    ["text.ytitle, text.y2title", "y-axis title"],
    ["g.xtick > text, g.x2tick > text", "x tick"],
    ["g.ytick > text, g.y2tick > text", "y tick"],
    ["g.legend text", "legend"],
    ["g.colorbar text", "colour bar"],
  ];
  const visible = (element) => {
    if (!element.textContent.trim()) return false;
    for (let node = element; node && node.nodeType === 1; node = node.parentNode) {
      const style = getComputedStyle(node);
      if (style.display === "none" || style.visibility === "hidden" || style.opacity === "0") {
        return false;
      }
    }
    const box = element.getBoundingClientRect();
    return box.width > 0 && box.height > 0;
  };
  return Array.from(document.querySelectorAll(selector)).map((chart) => {
    const svg = chart.querySelector("svg.main-svg");
    const outer = svg.getBoundingClientRect();
    const holder = chart.getBoundingClientRect();
    const bounds = {
      left: Math.max(outer.left, holder.left),
      top: Math.max(outer.top, holder.top),
      right: Math.min(outer.right, holder.right),
      bottom: Math.min(outer.bottom, holder.bottom),
    };
    const texts = [];
    for (const [query, role] of ROLES) {
      chart.querySelectorAll(query).forEach((element) => {
        if (!visible(element)) return;
        const box = element.getBoundingClientRect();
        texts.push({
          role: role,
          text: element.textContent.trim(),
          left: box.left, top: box.top, right: box.right, bottom: box.bottom,
        });
      });
    }
    const name = (chart.dataset.chart || chart.id || "chart").replace(/-data$/, "");
    return {id: name, bounds: bounds, texts: texts};
  });
}
"""


@dataclass(frozen=True)
class ChartText:
    """One chart's measurements: its problems in words and its worst margins in pixels."""

    chart: str
    problems: list[str]
    tightest_margin: float  # the smallest gap (px) between a text box and the chart's edge
    closest_gap: float  # the smallest gap (px) between boxes of different roles (<0: overlap)
    texts: int


def _gap(a: dict, b: dict) -> float:
    """The distance between two boxes in pixels: the larger of the horizontal and vertical
    gaps, so it is negative only when the boxes overlap both ways (by the lesser overlap)."""
    horizontal = max(a["left"], b["left"]) - min(a["right"], b["right"])
    vertical = max(a["top"], b["top"]) - min(a["bottom"], b["bottom"])
    return max(horizontal, vertical)


def check(measured: dict) -> ChartText:
    """The problems of one chart as ``MEASURE`` returned it."""
    bounds, texts = measured["bounds"], measured["texts"]
    problems = []
    margins = []
    for box in texts:
        margin = min(
            box["left"] - bounds["left"],
            box["top"] - bounds["top"],
            bounds["right"] - box["right"],
            bounds["bottom"] - box["bottom"],
        )
        margins.append(margin)
        if margin < -TOLERANCE:
            problems.append(
                f"{box['role']} {box['text']!r} is cut: it reaches {-margin:.1f}px "
                "outside the chart"
            )
    gaps = []
    for i, a in enumerate(texts):
        for b in texts[i + 1 :]:
            if a["role"] == b["role"]:
                continue
            gap = _gap(a, b)
            gaps.append(gap)
            if gap < -TOLERANCE:
                problems.append(
                    f"{a['role']} {a['text']!r} overlaps {b['role']} {b['text']!r} by {-gap:.1f}px"
                )
    return ChartText(
        chart=measured["id"],
        problems=problems,
        tightest_margin=min(margins, default=0.0),
        closest_gap=min(gaps, default=0.0),
        texts=len(texts),
    )


def measure(page, selector: str = ".js-plotly-plot") -> list[ChartText]:
    """Every chart under ``selector`` on the page, checked."""
    return [check(measured) for measured in page.evaluate(MEASURE, selector)]

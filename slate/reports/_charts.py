"""The KPI report as people read it: a markdown table and a PNG chart (matplotlib, no display needed).

Both are built from :class:`KpiReport` records, so the Prefect artifact, the workspace and the
command line show the same figures.
"""

from __future__ import annotations

from pathlib import Path

from slate.reports._kpi import Kpi, KpiReport

__all__ = ["crossed", "kpi_chart", "kpi_markdown"]

_CHARTED = ("redelivery_rate", "on_time", "blocker_velocity_hours", "blocker_redelivery_rate")


def _shown(kpi: Kpi) -> str:
    if kpi.value is None:
        return "—"
    if kpi.unit == "ratio":
        return f"{kpi.value:.1%}"
    return f"{kpi.value:.1f} h" if kpi.unit == "hours" else f"{kpi.value:g}"


def crossed(reports: list[KpiReport]) -> list[tuple[str, Kpi]]:
    """Every (period label, KPI) that crosses its threshold, for alerts."""
    return [(report.label, kpi) for report in reports for kpi in report.missed()]


def kpi_markdown(reports: list[KpiReport], chart: str | None = None) -> str:
    """A markdown table of every KPI per period (missed ones marked), the chart, and the costliest items."""
    lines = ["# KPIs", "", "| KPI | threshold | " + " | ".join(r.label for r in reports) + " |"]
    lines.append("|---" * (len(reports) + 2) + "|")
    for index, first in enumerate(reports[0].kpis):
        sign = "≤" if first.better == "lower" else "≥"
        threshold = _shown(first.model_copy(update={"value": first.threshold}))
        cells = []
        for report in reports:
            kpi = report.kpis[index]
            mark = " **missed**" if kpi.met is False else ""
            cells.append(f"{_shown(kpi)} ({kpi.numerator:g}/{kpi.denominator:g}){mark}")
        lines.append(f"| {first.name} | {sign} {threshold} | " + " | ".join(cells) + " |")
    if chart:
        lines += ["", f"![KPIs]({chart})"]
    worst = reports[-1].costliest
    if worst:
        lines += [
            "",
            f"## Costliest ({reports[-1].label})",
            "",
            "| request | title | rejections | blockers | cost |",
        ]
        lines.append("|---|---|---|---|---|")
        lines += [
            f"| {c.request_id} | {c.title} | {c.rejections} | {c.blockers} | {c.cost} {c.currency} |"
            for c in worst
        ]
    return "\n".join(lines) + "\n"


def kpi_chart(reports: list[KpiReport], path: Path) -> Path:
    """A PNG with one panel per charted KPI: a bar per period, the threshold as a line."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    figure, axes = pyplot.subplots(1, len(_CHARTED), figsize=(4 * len(_CHARTED), 3.2))
    labels = [r.label for r in reports]
    for axis, name in zip(axes, _CHARTED, strict=True):
        kpis = [next(k for k in r.kpis if k.name == name) for r in reports]
        scale = 100.0 if kpis[0].unit == "ratio" else 1.0
        values = [(k.value or 0.0) * scale for k in kpis]
        colours = ["#c0392b" if k.met is False else "#2e86c1" for k in kpis]
        axis.bar(labels, values, color=colours)
        axis.axhline(kpis[0].threshold * scale, color="#555555", linestyle="--", linewidth=1)
        axis.set_title(
            name.replace("_", " ") + (" (%)" if scale == 100.0 else " (h)" if kpis[0].unit == "hours" else "")
        )
        axis.tick_params(axis="x", labelrotation=30, labelsize=7)
    figure.tight_layout()
    figure.savefig(path, format="png", dpi=100)
    pyplot.close(figure)
    return path

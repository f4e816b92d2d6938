"""The 指标口径 table (indicator, formula in words, unit, source table), generated from the catalog.

`python -m metrics.catalog.doc` rewrites docs/指标口径.md; a test fails when the file is out of
date, so the documented definitions are always the ones the dashboard computes.
"""

from __future__ import annotations

from pathlib import Path

from metrics.catalog import AREAS, METRICS, MODELS
from metrics.model import Metric

DOC = Path(__file__).resolve().parents[2] / "docs" / "指标口径.md"
TYPE_LABELS = {
    "simple": "汇总",
    "ratio": "比率",
    "difference": "差额",
    "cumulative": "累计",
    "derived": "派生",
}
PROGRESS_LABELS = {
    "linear": "按月均进度(月份÷12)",
    "enrollment": "居民医保按集中征缴期进度、职工医保按月均进度,按任务数加权",
}


def _units(m: Metric) -> str:
    # Imported here: metrics.present imports the catalog.
    from metrics import present

    county, below = present.column(m.id, "county").unit, present.column(m.id, "township").unit
    if county == below:
        return county or "—"
    return f"全县{county},乡镇{below}"


def source_tables(m: Metric) -> list[str]:
    """The warehouse tables a metric reads, through its inputs for derived metrics."""
    if m.kind == "simple" and m.model is not None:
        return [MODELS[m.model].table.name]
    found: list[str] = []
    for i in m.inputs:
        for t in source_tables(METRICS[i]):
            if t not in found:
                found.append(t)
    return found


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _comparison(m: Metric) -> str:
    if m.progress is None:
        return ""
    from metrics import present

    worse = "高于" if m.higher_is_better is False else "低于"
    points = present.margin_points(m.id)
    if m.progress == "goal":
        goal = present.text(m.id, m.goal)
        return f"与目标比较:目标{goal};{worse}目标{points}个百分点以上为“{m.red_label}”"
    return (
        f"与时序进度比较:{PROGRESS_LABELS[m.progress]};{worse}时序进度"
        f"{points}个百分点以上为“{m.red_label}”"
    )


def render() -> str:
    """The whole Markdown document."""
    lines = [
        "# 指标口径",
        "",
        "本表由 `python -m metrics.catalog.doc` 根据指标库(metrics/catalog/)自动生成,请勿手工修改;"
        "指标口径变化时重新生成,测试会检查本表是否与指标库一致。",
        "",
    ]
    for area, metrics in AREAS:
        lines += [
            f"## {area}",
            "",
            "| 指标 | 编码 | 类型 | 口径(计算方法) | 单位 | 来源表 | 比较 |",
            "|---|---|---|---|---|---|---|",
        ]
        for m in metrics:
            lines.append(
                "| "
                + " | ".join(
                    _cell(x)
                    for x in (
                        m.label,
                        f"`{m.id}`",
                        TYPE_LABELS[m.type],
                        m.description,
                        _units(m),
                        "、".join(f"`{t}`" for t in source_tables(m)),
                        _comparison(m),
                    )
                )
                + " |"
            )
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    DOC.parent.mkdir(parents=True, exist_ok=True)
    DOC.write_text(render(), encoding="utf-8")
    print(f"已生成 {DOC}")


if __name__ == "__main__":
    main()

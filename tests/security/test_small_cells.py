"""A differencing attack on the demo county: no hidden 医疗救助 cell is recovered by subtraction.

For a township officer (乡镇医保所) and for 科室人员, every figure the assistance page shows them
(the specs of pages/assistance.py; the township page and the overview ask subsets of them) is
fetched for every period of one year: 1-m月 and m月, m = 1..12. Each figure covers a set of
atoms (month × township × category × kind, only the non-empty ones: the attacker is even told
which cells are empty). For every pair of visible figures A, B and hidden figure H with
cover(A) = cover(B) + cover(H), the attacker knows H = A − B exactly. The test computes what the
two figures as shown leave possible for H and checks it is never one value, against the truth
of a privileged query. The same pairs with the figures unrounded (the rule before rounding)
recover cells, so the attack is real.

人次 and 金额 are additive, so that is where subtraction works; persons (去重人数) are not additive
over months or kinds (one person in March and April counts once in 1-4月) and are rounded alike.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook
from sqlalchemy import Connection

from auth.roles import STAFF, TOWNSHIP, User, viewer_for
from data_sources.engine import create_warehouse_engine
from metrics import settings, suppress
from metrics.execute import execute
from metrics.model import Period, QuerySpec, Viewer

YEAR = 2023
ATOM_DIMS = ["month", "township", "category", "kind"]
ADDITIVE = {"assist_times": "count", "assist_amount": "amount"}
ASSIST = ["assist_amount", "assist_times", "assist_persons"]
PAGE_SPECS: list[tuple[list[str], tuple[str, ...]]] = [
    # pages/assistance.py, in its order; the page filters by the sidebar's township (`where`)
    ([*ASSIST, "premium_persons", "premium_coverage", "alert_persons"], ()),
    (ASSIST, ("kind",)),
    (ASSIST, ("category",)),
    ([*ASSIST, "premium_persons", "premium_coverage", "alert_persons"], ("township",)),
    (["assist_times"], ("township", "category")),
    (["assist_amount"], ("month", "kind")),
    (["assist_amount"], ("month",)),
]
# 科室人员 may pick any township in the sidebar: the filtered specs give them, for each township,
# the figures these return (same values; rounding and small cells depend on the figure alone).
PER_TOWNSHIP_SPECS: list[tuple[list[str], tuple[str, ...]]] = [
    (ASSIST, ("township", "kind")),
    (ASSIST, ("township", "category")),
    (["assist_amount"], ("township", "month", "kind")),
    (["assist_amount"], ("township", "month")),
]
PERIODS = [Period(YEAR, m, mode) for m in range(1, 13) for mode in ("ytd", "month")]
T = settings.SMALL_CELL_THRESHOLD
BASES = {"count": settings.SENSITIVE_COUNT_BASE, "amount": settings.SENSITIVE_AMOUNT_BASE_YUAN}
AMOUNT_PRECISION = 100.0  # 元: amounts are shown to 0.01万元


@dataclass(frozen=True)
class Figure:
    months: tuple[int, ...]
    fixed: tuple[tuple[str, object], ...]  # the dimension values the figure is for
    shown: float | None  # None: hidden
    small: bool  # hidden as '<10' (a count of its row is 1..T)


@pytest.fixture(scope="module")
def conn(demo_warehouse_url: str) -> Iterator[Connection]:
    engine = create_warehouse_engine(demo_warehouse_url, read_only=True)
    with engine.connect() as c:
        yield c
    engine.dispose()


def _atoms(conn: Connection, townships: frozenset[str] | None) -> pd.DataFrame:
    """The truth at the finest grain, one row per non-empty atom, with a random 64-bit tag."""
    viewer = Viewer(name="truth", townships=townships, can_see_small_cells=True)
    frame = execute(conn, QuerySpec.make(list(ADDITIVE), Period(YEAR, 12), ATOM_DIMS), viewer)
    atoms = frame.frame[[*ATOM_DIMS, *ADDITIVE]].dropna(subset=["assist_times"])
    atoms = atoms[atoms["assist_times"] > 0].reset_index(drop=True)
    rng = np.random.default_rng(17)
    return atoms.assign(tag=rng.integers(1, 2**63, len(atoms), dtype=np.int64).astype(np.uint64))


def _cover(atoms: pd.DataFrame, figure: Figure) -> frozenset[int]:
    """The atoms a figure adds up."""
    mask = atoms["month"].isin(figure.months)
    for dim, value in figure.fixed:
        mask &= atoms[dim] == value
    return frozenset(atoms.index[mask])


def _xor(tags: pd.Series) -> int:
    return int(np.bitwise_xor.reduce(tags.to_numpy(), initial=np.uint64(0)))


def _figures(
    conn: Connection, viewer: Viewer, atoms: pd.DataFrame, specs: list
) -> dict[str, dict[int, Figure]]:
    """metric -> cover tag -> figure, for every spec and period (a visible copy wins)."""
    out: dict[str, dict[int, Figure]] = {m: {} for m in ADDITIVE}
    for metrics, by in specs:
        for period in PERIODS:
            result = execute(conn, QuerySpec.make(metrics, period, by), viewer).frame
            months = tuple(range(period.first_month, period.month + 1))
            inside = atoms[atoms["month"].isin(months)]
            if by:
                tags = inside.groupby(list(by))["tag"].agg(_xor).rename("_tag").reset_index()
                result = result.merge(tags, on=list(by), how="inner")  # no atom: nobody
            elif len(inside):
                result = result.assign(_tag=_xor(inside["tag"]))
            else:
                continue
            for row in result.to_dict("records"):
                fixed = tuple((d, row[d]) for d in by if d != "month")
                row_months = (int(row["month"]),) if "month" in by else months
                for metric in ADDITIVE:
                    if metric not in metrics:
                        continue
                    value = row[metric]
                    hidden = pd.isna(value)
                    if hidden:
                        assert row[suppress.SUPPRESSED], (metric, by, period, fixed)
                    figure = Figure(
                        row_months,
                        fixed,
                        None if hidden else float(value),
                        hidden and bool(row[suppress.SMALL]),
                    )
                    known = out[metric].get(row["_tag"])
                    if known is None or (known.shown is None and figure.shown is not None):
                        out[metric][row["_tag"]] = figure
    return out


def _possible(kind: str, difference: float, small: bool) -> tuple[float, float]:
    """What two rounded figures leave possible for the hidden cell between them (an interval).

    A figure shown as v (rounded half up to base b) is in [v − b/2, v + b/2); counts are whole.
    """
    b = BASES[kind]
    if kind == "count":
        low, high = difference - (b - 1), difference + (b - 1)
        return (max(low, 1), min(high, T)) if small else (max(low, 0), high)
    return max(difference - b, 0.0), difference + b


@dataclass
class Attack:
    pairs: int = 0  # (A, B, H) triples with A − B = H
    recovered: set[tuple[str, int]] | None = None  # hidden cells recovered with rounding
    recovered_unrounded: set[tuple[str, int]] | None = None  # the same pairs, figures exact


def _attack(figures: dict[str, dict[int, Figure]], atoms: pd.DataFrame) -> Attack:
    attack = Attack(recovered=set(), recovered_unrounded=set())
    assert attack.recovered is not None and attack.recovered_unrounded is not None
    covers: dict[Figure, frozenset[int]] = {}

    def cover(f: Figure) -> frozenset[int]:
        if f not in covers:
            covers[f] = _cover(atoms, f)
        return covers[f]

    for metric, kind in ADDITIVE.items():
        values = atoms[metric].to_numpy(dtype=float)
        by_tag = figures[metric]
        visible = {t: f for t, f in by_tag.items() if f.shown is not None}
        hidden = {t: f for t, f in by_tag.items() if f.shown is None}
        v_tags = np.sort(np.array(list(visible), dtype=np.uint64))
        for h_tag, h in hidden.items():
            partners = v_tags ^ np.uint64(h_tag)  # cover(A) xor cover(H), for every visible A
            at = np.searchsorted(v_tags, partners).clip(max=len(v_tags) - 1)
            for i in np.nonzero(v_tags[at] == partners)[0]:
                a, b = visible[int(v_tags[i])], visible[int(partners[i])]
                cover_a, cover_h, cover_b = cover(a), cover(h), cover(b)
                if not (cover_h <= cover_a and cover_a - cover_h == cover_b):
                    continue  # B − A = H: found with A and B the other way round
                attack.pairs += 1
                truth_a, truth_b, truth = (
                    float(values[list(c)].sum()) for c in (cover_a, cover_b, cover_h)
                )
                if math.isclose(truth_a - truth_b, truth, abs_tol=0.5):
                    attack.recovered_unrounded.add((metric, h_tag))
                # "<10" is true of this metric's cell unless another count of its row was
                # small: the attacker may use it only when it holds.
                small = h.small and 1 <= truth <= T
                low, high = _possible(kind, a.shown - b.shown, small)
                assert low - 1e-6 <= truth <= high + 1e-6, "the truth is one of the possibilities"
                exact = (high - low < 1) if kind == "count" else (high - low < AMOUNT_PRECISION)
                if exact:
                    attack.recovered.add((metric, h_tag))
    return attack


def _smallest_township(conn: Connection) -> str:
    atoms = _atoms(conn, None)
    return str(atoms.groupby("township")["assist_times"].sum().idxmin())


@pytest.mark.parametrize("role", [TOWNSHIP, STAFF])
def test_no_hidden_cell_is_recovered_by_subtraction(conn: Connection, role: str) -> None:
    towns = (_smallest_township(conn),) if role == TOWNSHIP else ()
    viewer = viewer_for(User("u", "u", frozenset({role}), frozenset(towns)))
    assert not viewer.can_see_small_cells
    atoms = _atoms(conn, viewer.townships)
    specs = PAGE_SPECS if role == TOWNSHIP else PAGE_SPECS + PER_TOWNSHIP_SPECS
    figures = _figures(conn, viewer, atoms, specs)
    hidden = sum(f.shown is None for m in figures.values() for f in m.values())
    attack = _attack(figures, atoms)
    print(
        f"{role}: {hidden} hidden figures, {attack.pairs} pairs A − B = H, "
        f"{len(attack.recovered_unrounded or ())} recovered if figures were exact, "
        f"{len(attack.recovered or ())} with rounding"
    )
    assert hidden > 0 and attack.pairs > 0, "the demo county must give the attack something"
    assert attack.recovered_unrounded, "without rounding the same pairs recover hidden cells"
    assert not attack.recovered


@pytest.mark.parametrize("role", [TOWNSHIP, STAFF])
def test_every_visible_figure_is_rounded(conn: Connection, role: str) -> None:
    towns = (_smallest_township(conn),) if role == TOWNSHIP else ()
    viewer = viewer_for(User("u", "u", frozenset({role}), frozenset(towns)))
    for metrics, by in PAGE_SPECS:
        frame = execute(conn, QuerySpec.make(metrics, Period(YEAR, 4), by), viewer).frame
        for metric in ("assist_times", "assist_persons", "premium_persons", "alert_persons"):
            if metric in frame:
                assert (frame[metric].dropna() % 10 == 0).all(), (metric, by)
        if "assist_amount" in frame:
            assert (frame["assist_amount"].dropna() % 10_000 == 0).all(), by


def test_viewers_with_the_right_see_exact_figures(conn: Connection) -> None:
    spec = QuerySpec.make(["assist_times", "assist_amount"], Period(YEAR, 10), ("kind",))
    leader = viewer_for(User("u", "u", frozenset({"局领导"}), frozenset()))
    exact = execute(conn, spec, leader)
    assert leader.can_see_small_cells and not exact.notes
    staff = execute(conn, spec, viewer_for(User("u", "u", frozenset({STAFF}), frozenset())))
    assert staff.notes == (suppress.ROUNDED_NOTE,)
    # By hand: each shown figure is the exact one rounded half up to 10 人次 / 10 000 元.
    for (_, e), (_, s) in zip(exact.frame.iterrows(), staff.frame.iterrows(), strict=True):
        assert s["assist_times"] == math.floor(e["assist_times"] / 10 + 0.5) * 10
        assert s["assist_amount"] == math.floor(e["assist_amount"] / 10_000 + 0.5) * 10_000
    assert exact.frame["assist_times"].mod(10).ne(0).any(), "the demo's exact figures are not round"


def test_paragraph_and_excel_show_the_rounded_figures(conn: Connection) -> None:
    """The 标准段落 and an Excel export read the same protected results as the screen."""
    from exports.excel import table_xlsx
    from exports.narrative import report_paragraph
    from metrics import present

    staff = viewer_for(User("u", "u", frozenset({STAFF}), frozenset()))
    period = Period(YEAR, 10)
    text = report_paragraph(lambda spec: execute(conn, spec, staff), period)
    # The demo county is calibrated on seed 002: 19429人次, 1456.85万元 (exact, for 局领导).
    # The paragraph writes person-times in 万人次 at county level (19430 -> 1.94万人次).
    assert "医疗救助1.94万人次" in text and "1457.00万元" in text, text
    assert "19429" not in text and "1456.85" not in text
    spec = QuerySpec.make(["assist_times", "assist_amount"], period, ("township", "category"))
    result = execute(conn, spec, staff)
    display = present.table(result.frame, list(spec.metrics), list(spec.by))
    data = table_xlsx(display, title="t", unit_line="u", cutoff="c")
    cells = [
        c.value for row in load_workbook(io.BytesIO(data)).active.iter_rows(min_row=5) for c in row
    ]
    times_column = list(display.columns).index(present.header("assist_times"))
    numbers = [v for v in cells[times_column :: len(display.columns)] if isinstance(v, int | float)]
    assert numbers and all(v % 10 == 0 for v in numbers)
    assert present.SUPPRESSED_COUNT in cells

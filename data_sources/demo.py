"""The demo warehouse: a deterministic county calibrated on 南昌县 (seed 002), 2022-01 to 2026-10.

    python -m data_sources.demo --scale county --out data/demo.duckdb
    python -m data_sources.demo --scale city --url postgresql+psycopg://…/test

Calibration (Jan–Oct 2023, seed 002): 94.52万 insured (residents 83.68万, employees 10.84万)
against a county target of 1,000,175; fund income 9.28亿 (5.56 / 3.72), spending 4.04亿
(2.62 / 1.42), 59.16万 reimbursed visits; assistance 19,429 person-times, 1,456.85万元;
8 poverty-alert batches with 4,917 persons. Procurement and DRG follow seed 004's sizes
(DRG budget 46,574.09万 in 2023; average price drop above 50%).

`city` and `province` repeat the county 10 and 50 times with other random draws: bigger
warehouses for benchmarks, not calibrated figures.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import hashlib
import json
import sys
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import Column, Engine, ForeignKey, Index, MetaData, Table
from sqlalchemy.exc import SQLAlchemyError

from data_sources import boundaries
from data_sources import demo_names as names
from data_sources.config import DEMO_DUCKDB_PATH, demo_url

FIRST_YEAR = 2022
LAST_YEAR, LAST_MONTH = 2026, 10
YEARS = tuple(range(FIRST_YEAR, LAST_YEAR + 1))
CALIBRATION_YEAR, CALIBRATION_MONTH = 2023, 10
SEED = 20231031
DEMO_SOURCE_PREFIX = "演示数据生成器"
COUNTY_CODE = "360121"

# --- Calibration targets (seed 002 unless said otherwise) ----------------------------------
TARGET_2023 = {"resident": 888_900, "employee": 111_275}  # sums to the county's 1,000,175
ENROLLED_OCT_2023 = {"resident": 836_800, "employee": 108_400}
REGISTERED_POP_2023 = 1_012_000
INCOME_JAN_OCT_2023 = {"resident": 556_000_000.0, "employee": 372_000_000.0}
SPENDING_JAN_OCT_2023 = {"resident": 262_000_000.0, "employee": 142_000_000.0}
VISITS_JAN_OCT_2023 = 591_600
# Seed 002 counts only county institutions ("县域外医疗机构由市局统一做账"); a real ledger also
# carries what the city settles for the county's insured outside it. Assumed sizes, chosen so the
# fund is roughly balanced over the year and months payable sit near the 6–9 month band.
EXTERNAL_SPENDING_JAN_OCT_2023 = {"resident": 230_000_000.0, "employee": 190_000_000.0}
EXTERNAL_PER_VISIT = {"resident": 6_500.0, "employee": 8_000.0}
ASSIST_COUNT_JAN_OCT_2023 = {"premium": 13_000, "outpatient": 3_929, "inpatient": 2_500}
ASSIST_AMOUNT_JAN_OCT_2023 = 14_568_500.0
ALERTS_2023 = 4_917
DRG_BUDGET_2023 = 465_740_900.0  # seed 004, 濉溪县 2023
DRG_PAID_SHARE_OF_BUDGET = 0.985
PROCUREMENT_SAVINGS_2023 = 52_000_000.0
OPENING_BALANCE_2022 = {"resident": 300_000_000.0, "employee": 250_000_000.0}

RESIDENT_CURVE = np.array(
    [0.86, 0.955, 0.965, 0.97, 0.974, 0.978, 0.981, 0.984, 0.987, 0.99, 0.995, 1.0]
)
EMPLOYEE_CURVE = np.linspace(0.93, 1.0, 12)

# Monthly profiles of fund items (shares of the year; each sums to 1).
_FLAT = np.full(12, 1 / 12)
_QUARTERLY = np.array([0, 0, 0.25, 0, 0, 0.25, 0, 0, 0.25, 0, 0, 0.25])
_SETTLEMENT = np.array([0.085, 0.065, 0.08, 0.08, 0.08, 0.08, 0.08, 0.08, 0.08, 0.08, 0.09, 0.12])
INCOME_ITEMS = {
    "resident": {
        "contribution": (
            0.38,
            np.array([0.40, 0.30, 0.06, 0.03, 0.02, 0.02, 0.02, 0.02, 0.03, 0.03, 0.03, 0.04]),
        ),
        "subsidy": (0.60, np.array([0, 0, 0.30, 0, 0, 0.25, 0, 0, 0.25, 0, 0, 0.20])),
        "interest": (0.015, _QUARTERLY),
        "other_income": (0.005, _FLAT),
    },
    "employee": {
        "contribution": (0.94, _FLAT),
        "interest": (0.04, _QUARTERLY),
        "other_income": (0.02, _FLAT),
    },
}
# (share of spending, profile, average 元 per reimbursed visit or None)
SPENDING_ITEMS = {
    "resident": {
        "inpatient": (0.52, _SETTLEMENT, 3800.0),
        "outpatient_pool": (0.12, _SETTLEMENT, 45.0),
        "chronic": (0.09, _FLAT, 260.0),
        "critical_illness": (0.12, _QUARTERLY, 9000.0),
        "out_of_area": (0.12, _SETTLEMENT, 3500.0),
        "other_spending": (0.03, _FLAT, None),
    },
    "employee": {
        "inpatient": (0.48, _SETTLEMENT, 5200.0),
        "outpatient_pool": (0.15, _SETTLEMENT, 85.0),
        "chronic": (0.14, _FLAT, 320.0),
        "critical_illness": (0.08, _QUARTERLY, 12000.0),
        "out_of_area": (0.12, _SETTLEMENT, 4200.0),
        "other_spending": (0.03, _FLAT, None),
    },
}
YEAR_GROWTH = {  # relative to 2023
    "resident_target": {2022: 1.006, 2023: 1.0, 2024: 0.997, 2025: 0.994, 2026: 0.992},
    "employee_target": {2022: 0.97, 2023: 1.0, 2024: 1.03, 2025: 1.06, 2026: 1.09},
    "income": {2022: 0.95, 2023: 1.0, 2024: 1.05, 2025: 1.09, 2026: 1.13},
    "spending": {2022: 0.93, 2023: 1.0, 2024: 1.06, 2025: 1.11, 2026: 1.16},
    "drg_budget": {2022: 0.94, 2023: 1.0, 2024: 1.05, 2025: 1.10, 2026: 1.15},
    "assistance": {2022: 0.96, 2023: 1.0, 2024: 1.03, 2025: 1.05, 2026: 1.08},
}


@dataclass(frozen=True)
class Scale:
    name: str
    counties: int


SCALES = {
    "county": Scale("county", 1),
    "city": Scale("city", 10),
    "province": Scale("province", 50),
}


def months_loaded(year: int) -> int:
    return LAST_MONTH if year == LAST_YEAR else 12


def _round_cents(x: np.ndarray) -> np.ndarray:
    return np.round(np.asarray(x, dtype=float), 2)


def _split_exact(total: int, weights: np.ndarray) -> np.ndarray:
    """Integers proportional to weights that sum exactly to total (largest remainder)."""
    quotas = weights / weights.sum() * total
    base = np.floor(quotas).astype(np.int64)
    order = np.argsort(-(quotas - base), kind="stable")
    base[order[: total - int(base.sum())]] += 1
    return base


def _person_keys(rng: np.random.Generator, n: int, salt: str) -> list[str]:
    raw = rng.integers(0, 2**62, size=n)
    return [hashlib.blake2b(f"{salt}:{v}".encode(), digest_size=8).hexdigest() for v in raw]


def _pool_keys(rng: np.random.Generator, towns: np.ndarray, kind: str, county: int) -> list[str]:
    """Recipients drawn from a township's pool, so one person may be helped several times."""
    # Premium subsidy is paid once a year per person; aid for visits repeats within a pool of
    # about 1,500 recipients per township.
    pool = 1_000_000 if kind == "premium" else 1_500
    idx = rng.integers(0, pool, len(towns))
    return [
        hashlib.blake2b(f"{county}:{t}:{kind == 'premium'}:{i}".encode(), digest_size=8).hexdigest()
        for t, i in zip(towns, idx, strict=True)
    ]


# --- Geography ---------------------------------------------------------------------------------


def _geography(scale: Scale, rng: np.random.Generator) -> dict[str, pd.DataFrame]:
    towns, pops, villages, insts, shapes = [], [], [], [], []
    for c in range(scale.counties):
        county_towns = []
        prefix = "" if c == 0 else names.COUNTY_PREFIXES[(c - 1) % len(names.COUNTY_PREFIXES)]
        county_code = COUNTY_CODE if c == 0 else f"36{c + 1:02d}{(c // 50) + 21:02d}"
        sizes = np.array([t[1] for t in names.TOWNSHIPS]) * (
            1 if c == 0 else rng.uniform(0.7, 1.3, 20)
        )
        reg = _split_exact(REGISTERED_POP_2023, sizes)
        # 南昌县: 260 village clinics and 262 designated pharmacies (seed 002).
        village_counts = _split_exact(260, sizes)
        pharmacy_counts = _split_exact(262, sizes)
        for i, (tname, _size, _emp) in enumerate(names.TOWNSHIPS):
            code = f"{county_code}{(100 if tname.endswith(('镇', '街道')) else 200) + i:03d}"
            towns.append((code, prefix + tname, c * 20 + i + 1))
            county_towns.append((code, prefix + tname, float(sizes[i])))
            for year in YEARS:
                drift = 1 + (year - CALIBRATION_YEAR) * rng.normal(-0.003, 0.002)
                registered = int(reg[i] * drift)
                pops.append(
                    (
                        year,
                        code,
                        registered,
                        int(registered * rng.uniform(0.88, 1.25)),
                        int(registered * rng.uniform(0.035, 0.06)),
                    )
                )
            n_villages = int(village_counts[i])
            for v in range(n_villages):
                stem = names.VILLAGE_STEMS[(i * 7 + v) % len(names.VILLAGE_STEMS)]
                kind = "社区" if v < max(1, n_villages // 8) else "村"
                vname = f"{stem}{'社区' if kind == '社区' else '村'}"
                if v >= len(names.VILLAGE_STEMS):
                    vname = f"{stem}{v // len(names.VILLAGE_STEMS) + 1}{kind}"
                vcode = f"{code}{v + 1:03d}"
                villages.append((vcode, code, vname, kind))
                insts.append(
                    (
                        f"H{vcode}",
                        f"{prefix}{tname}{vname}卫生室",
                        "village_clinic",
                        "未定级",
                        code,
                        vcode,
                    )
                )
            insts.append(
                (f"H{code}01", f"{prefix}{tname}卫生院", "health_centre", "一级", code, None)
            )
            n_pharm = int(pharmacy_counts[i])
            for p in range(n_pharm):
                insts.append(
                    (
                        f"P{code}{p + 1:03d}",
                        f"{prefix}{tname}第{p + 1}大药房",
                        "pharmacy",
                        "未定级",
                        code,
                        None,
                    )
                )
        # Fictional outlines (data_sources.boundaries), counties side by side on larger scales.
        center = (
            boundaries.CENTER[0] + 0.8 * (c % 10),
            boundaries.CENTER[1] + 0.7 * (c // 10),
        )
        for feature in boundaries.generate(county_towns, center)["features"]:
            geometry = json.dumps(feature["geometry"], separators=(",", ":"))
            shapes.append((feature["properties"]["code"], geometry, True))
        seat = towns[c * 20][0]
        for h, (hname, level) in enumerate(names.HOSPITALS):
            insts.append(
                (
                    f"H{county_code}9{h:02d}",
                    f"{prefix or '本'}{hname}",
                    "hospital",
                    level,
                    seat,
                    None,
                )
            )
        # Private hospitals spread over the bigger towns bring the county to ~312 medical institutions.
        for h in range(26):
            town = towns[c * 20 + h % 10]
            insts.append(
                (
                    f"H{county_code}8{h:02d}",
                    f"{town[1]}民营医院{h // 10 + 1}",
                    "hospital",
                    "一级",
                    town[0],
                    None,
                )
            )
    return {
        "township": pd.DataFrame(towns, columns=["code", "name", "sort_order"]),
        "township_boundary": pd.DataFrame(
            shapes, columns=["township_code", "geometry", "fictional"]
        ),
        "township_population": pd.DataFrame(
            pops, columns=["year", "township_code", "registered", "resident", "poverty"]
        ),
        "village": pd.DataFrame(villages, columns=["code", "township_code", "name", "kind"]),
        "institution": pd.DataFrame(
            insts, columns=["code", "name", "kind", "level", "township_code", "village_code"]
        ),
    }


# --- 参保扩面 -------------------------------------------------------------------------------------

GROUP_SHARES = {
    "resident": {"poverty": None, "new_employment": 0.004, "student": 0.19, "elderly": 0.21},
    "employee": {"new_employment": 0.063},
}


def _enrollment(
    geo: dict[str, pd.DataFrame], scale: Scale, rng: np.random.Generator
) -> dict[str, pd.DataFrame]:
    towns = geo["township"]
    pop = geo["township_population"].set_index(["year", "township_code"])
    emp_share = np.tile([t[2] for t in names.TOWNSHIPS], scale.counties)
    targets, facts = [], []
    n = len(towns)
    for c in range(scale.counties):
        idx = slice(c * 20, c * 20 + 20)
        codes = towns["code"].to_numpy()[idx]
        reg23 = np.array([pop.loc[(CALIBRATION_YEAR, t), "registered"] for t in codes], dtype=float)
        weights = {"resident": reg23 * (1 - emp_share[idx]), "employee": reg23 * emp_share[idx]}
        for scheme in ("resident", "employee"):
            curve = RESIDENT_CURVE if scheme == "resident" else EMPLOYEE_CURVE
            completion = rng.normal(0.985 if scheme == "resident" else 1.0, 0.035, 20).clip(
                0.88, 1.08
            )
            lag = rng.uniform(0.0, 0.05, 20)  # slow townships lag the campaign in the first months
            for year in YEARS:
                growth = YEAR_GROWTH[f"{scheme}_target"][year]
                tgt = _split_exact(round(TARGET_2023[scheme] * growth), weights[scheme])
                final = tgt * (completion + rng.normal(0, 0.01, 20))
                if year == CALIBRATION_YEAR:
                    at_cal = (final * np.clip(curve[CALIBRATION_MONTH - 1] - lag * 0.2, 0, 1)).sum()
                    final *= ENROLLED_OCT_2023[scheme] / at_cal
                for i, code in enumerate(codes):
                    targets.append((year, code, scheme, int(tgt[i])))
                    poverty = int(pop.loc[(year, code), "poverty"])
                    shares = GROUP_SHARES[scheme]
                    group_final: dict[str, float] = {}
                    rest = final[i]
                    for g, share in shares.items():
                        group_final[g] = poverty if g == "poverty" else final[i] * share
                        rest -= group_final[g]
                    group_final["general"] = max(rest, 0)
                    for m in range(1, months_loaded(year) + 1):
                        share_m = (
                            curve[m - 1]
                            if m == 12
                            else np.clip(curve[m - 1] - lag[i] * (1 - m / 12), 0, 1)
                        )
                        for g, gf in group_final.items():
                            # Poverty-alleviated persons are enrolled in full by the campaign (seed 002: 100%).
                            value = gf if g == "poverty" and m >= 2 else gf * share_m
                            facts.append((year, m, code, scheme, g, round(value)))
    enroll = pd.DataFrame(
        facts, columns=["year", "month", "township_code", "scheme", "person_group", "enrolled"]
    )
    if scale.counties == 1:
        enroll = _pin_calibration(enroll)
    del n
    return {
        "enrollment": enroll,
        "enrollment_target": pd.DataFrame(
            targets, columns=["year", "township_code", "scheme", "target"]
        ),
    }


def _pin_calibration(enroll: pd.DataFrame) -> pd.DataFrame:
    """Shifts one group's whole 2023 series so Oct 2023 equals seed 002 to the person.

    A constant shift over the year keeps every series non-decreasing.
    """
    for scheme, want in ENROLLED_OCT_2023.items():
        at = (
            (enroll.year == CALIBRATION_YEAR)
            & (enroll.month == CALIBRATION_MONTH)
            & (enroll.scheme == scheme)
        )
        diff = want - int(enroll.loc[at, "enrolled"].sum())
        pick = (
            (enroll.year == CALIBRATION_YEAR)
            & (enroll.scheme == scheme)
            & (enroll.person_group == "general")
        )
        biggest = enroll.loc[pick & at].sort_values("enrolled").township_code.iloc[-1]
        enroll.loc[pick & (enroll.township_code == biggest), "enrolled"] += diff
    return enroll


# --- 基金收支 -------------------------------------------------------------------------------------


def _calibrated_year(share_profile: np.ndarray, jan_oct_total: float) -> float:
    """The yearly amount whose Jan–Oct part, under the profile, equals the calibration figure."""
    return jan_oct_total / share_profile[:CALIBRATION_MONTH].sum()


def _fund(scale: Scale, rng: np.random.Generator) -> dict[str, pd.DataFrame]:
    rows = []
    k = scale.counties
    for scheme in ("resident", "employee"):
        # (flow, item, Jan–Oct 2023 amount, monthly profile, 元 per reimbursed visit)
        plan = [
            ("income", item, INCOME_JAN_OCT_2023[scheme] * share, profile, None)
            for item, (share, profile) in INCOME_ITEMS[scheme].items()
        ]
        plan += [
            ("spending", item, SPENDING_JAN_OCT_2023[scheme] * share, profile, per_visit)
            for item, (share, profile, per_visit) in SPENDING_ITEMS[scheme].items()
        ]
        plan.append(
            (
                "spending",
                "out_of_county",
                EXTERNAL_SPENDING_JAN_OCT_2023[scheme],
                _SETTLEMENT,
                EXTERNAL_PER_VISIT[scheme],
            )
        )
        for flow, item, jan_oct_item, profile, per_visit in plan:
            jan_oct = jan_oct_item * k
            base_year = _calibrated_year(profile, jan_oct)
            for year in YEARS:
                amounts = base_year * YEAR_GROWTH[flow][year] * profile * rng.normal(1, 0.03, 12)
                if year == CALIBRATION_YEAR:
                    amounts[:CALIBRATION_MONTH] *= jan_oct / amounts[:CALIBRATION_MONTH].sum()
                for m in range(1, months_loaded(year) + 1):
                    if amounts[m - 1] <= 0:
                        continue
                    visits = None if per_visit is None else amounts[m - 1] / per_visit
                    rows.append([year, m, scheme, flow, item, float(amounts[m - 1]), visits])
    ledger = pd.DataFrame(
        rows, columns=["year", "month", "scheme", "flow", "item", "amount", "person_times"]
    )
    # Visits in county institutions are calibrated on seed 002's 59.16万 in Jan–Oct 2023.
    county = ledger.item != "out_of_county"
    cal = (ledger.year == CALIBRATION_YEAR) & (ledger.month <= CALIBRATION_MONTH) & county
    factor = VISITS_JAN_OCT_2023 * k / ledger.loc[cal, "person_times"].sum()
    ledger.loc[county, "person_times"] *= factor
    ledger["person_times"] = ledger["person_times"].round().astype("Int64")
    ledger["amount"] = _round_cents(ledger["amount"])
    opening = []
    balance = {s: v * k for s, v in OPENING_BALANCE_2022.items()}
    for year in YEARS:
        for scheme in ("resident", "employee"):
            opening.append((year, scheme, round(balance[scheme], 2)))
            this = ledger[(ledger.year == year) & (ledger.scheme == scheme)]
            balance[scheme] += (
                this.loc[this.flow == "income", "amount"].sum()
                - this.loc[this.flow == "spending", "amount"].sum()
            )
    return {
        "fund_ledger": ledger,
        "fund_opening_balance": pd.DataFrame(opening, columns=["year", "scheme", "amount"]),
    }


# --- 医疗救助 -------------------------------------------------------------------------------------

CATEGORY_SHARES = {
    "tekun": 0.08,
    "dibao": 0.45,
    "monitor": 0.20,
    "dibao_edge": 0.15,
    "illness": 0.12,
}
PREMIUM_BY_CATEGORY = {
    "tekun": 380.0,
    "dibao": 285.0,
    "monitor": 190.0,
    "dibao_edge": 190.0,
    "illness": 0.0,
}
KIND_PROFILE = {
    "premium": np.array(
        [0.55, 0.35, 0.05, 0.01, 0.005, 0.005, 0.005, 0.005, 0.005, 0.005, 0.0, 0.0]
    ),
    "outpatient": _FLAT,
    "inpatient": _FLAT,
}
KIND_MEAN_AMOUNT = {"outpatient": 325.0, "inpatient": 3600.0}


def _assistance(
    geo: dict[str, pd.DataFrame], scale: Scale, rng: np.random.Generator
) -> dict[str, pd.DataFrame]:
    pop = geo["township_population"]
    frames, alerts = [], []
    next_id = 1
    cats = np.array(list(CATEGORY_SHARES))
    cat_p = np.array(list(CATEGORY_SHARES.values()))
    for c in range(scale.counties):
        codes = geo["township"]["code"].to_numpy()[c * 20 : c * 20 + 20]
        for year in YEARS:
            pov = (
                pop[(pop.year == year) & pop.township_code.isin(codes)]
                .set_index("township_code")
                .loc[codes, "poverty"]
            )
            town_p = (pov / pov.sum()).to_numpy()
            growth = YEAR_GROWTH["assistance"][year]
            for kind, jan_oct in ASSIST_COUNT_JAN_OCT_2023.items():
                profile = KIND_PROFILE[kind]
                per_month = _split_exact(
                    round(jan_oct / profile[:CALIBRATION_MONTH].sum() * growth), profile
                )
                if year == CALIBRATION_YEAR:  # Jan–Oct to the person-time (seed 002: 19,429)
                    per_month[:CALIBRATION_MONTH] = _split_exact(
                        jan_oct, profile[:CALIBRATION_MONTH]
                    )
                for m in range(1, months_loaded(year) + 1):
                    n = int(per_month[m - 1])
                    if n == 0:
                        continue
                    t = rng.choice(codes, size=n, p=town_p)
                    if kind == "premium":
                        cat = rng.choice(cats[:4], size=n, p=cat_p[:4] / cat_p[:4].sum())
                        amount = np.array([PREMIUM_BY_CATEGORY[x] for x in cat])
                    else:
                        cat = rng.choice(cats, size=n, p=cat_p)
                        mean = KIND_MEAN_AMOUNT[kind]
                        amount = rng.lognormal(np.log(mean) - 0.5 * 0.8**2, 0.8, n)
                    day = rng.integers(1, 29, n)
                    frames.append(
                        pd.DataFrame(
                            {
                                "record_id": np.arange(next_id, next_id + n),
                                "pay_date": [dt.date(year, m, int(d)) for d in day],
                                "year": year,
                                "month": m,
                                "township_code": t,
                                "category": cat,
                                "kind": kind,
                                "amount": amount,
                                "person_key": _pool_keys(rng, t, kind, c),
                            }
                        )
                    )
                    next_id += n
            # Poverty-return alerts (seed 002): 8 monthly batches from March to October.
            n_year = round(ALERTS_2023 * growth)
            batch_months = list(range(3, 11))
            per_batch = _split_exact(n_year, np.ones(len(batch_months)))
            for m, n in zip(batch_months, per_batch, strict=True):
                if year == LAST_YEAR and m > LAST_MONTH:
                    continue
                ptype = rng.choice(["tuopin", "nonghu"], size=n, p=[0.7, 0.3])
                oop = np.where(
                    ptype == "tuopin",
                    9968 + rng.exponential(6000, n),
                    19936 + rng.exponential(8000, n),
                )
                alerts.append(
                    pd.DataFrame(
                        {
                            "year": year,
                            "month": m,
                            "person_key": _person_keys(rng, n, f"p{c}{year}{m}"),
                            "township_code": rng.choice(codes, size=n, p=town_p),
                            "population_type": ptype,
                            "oop_amount": _round_cents(oop),
                        }
                    )
                )
    assist = pd.concat(frames, ignore_index=True)
    # Calibrate the amounts of outpatient and inpatient aid so Jan–Oct 2023 equals seed 002.
    cal = (assist.year == CALIBRATION_YEAR) & (assist.month <= CALIBRATION_MONTH)
    want = ASSIST_AMOUNT_JAN_OCT_2023 * scale.counties
    fixed = assist.loc[cal & (assist.kind == "premium"), "amount"].sum()
    variable = assist.kind != "premium"
    assist.loc[variable, "amount"] *= (want - fixed) / assist.loc[cal & variable, "amount"].sum()
    assist["amount"] = _round_cents(assist["amount"])
    residual = round(want - assist.loc[cal, "amount"].sum(), 2)
    last = assist.index[cal & variable][-1]
    assist.loc[last, "amount"] = round(assist.loc[last, "amount"] + residual, 2)
    return {"assistance": assist, "poverty_alert": pd.concat(alerts, ignore_index=True)}


# --- 集中带量采购 -------------------------------------------------------------------------------------


def _procurement(geo: dict[str, pd.DataFrame], rng: np.random.Generator) -> dict[str, pd.DataFrame]:
    batches, products = [], []
    drug_cycle = 0
    for b, (level, bname, start, end) in enumerate(names.BATCHES):
        code = f"JC{b + 1:02d}"
        batches.append(
            (code, bname, level, dt.date.fromisoformat(start), dt.date.fromisoformat(end))
        )
        for p in range(int(rng.integers(6, 12))):
            generic, spec = names.DRUGS[drug_cycle % len(names.DRUGS)]
            drug_cycle += 1
            before = float(rng.lognormal(np.log(12), 0.9))
            drop = float(rng.uniform(0.42, 0.86))
            products.append(
                (
                    f"{code}-{p + 1:02d}",
                    code,
                    generic,
                    spec,
                    round(before, 4),
                    round(before * (1 - drop), 4),
                )
            )
    batch_df = pd.DataFrame(
        batches, columns=["batch_code", "name", "level", "start_date", "end_date"]
    )
    prod_df = pd.DataFrame(
        products,
        columns=[
            "product_code",
            "batch_code",
            "generic_name",
            "spec",
            "price_before",
            "price_after",
        ],
    )
    inst = geo["institution"]
    buyers = inst[inst.kind.isin(["hospital", "health_centre"])].reset_index(drop=True)
    size = np.where(
        buyers.kind == "hospital",
        np.where(buyers.level == "三级", 8.0, np.where(buyers.level == "二级", 3.0, 0.8)),
        1.0,
    )
    pace = rng.normal(1.0, 0.12, len(buyers)).clip(0.6, 1.3)  # laggards buy slower than agreed
    agreements, purchases = [], []
    prod_batch = prod_df.merge(batch_df, on="batch_code")
    for year in YEARS:
        for _, prod in prod_batch.iterrows():
            months = np.array(
                [
                    prod.start_date <= dt.date(year, m, 28) and prod.end_date >= dt.date(year, m, 1)
                    for m in range(1, 13)
                ]
            )
            if not months.any():
                continue
            take = rng.random(len(buyers)) < 0.55
            base = rng.lognormal(np.log(1500), 0.6, len(buyers)) * size * months.sum() / 12
            for j in np.flatnonzero(take):
                agreed = int(base[j])
                agreements.append((year, prod.product_code, buyers.code[j], agreed))
                monthly = agreed / months.sum() * pace[j] * rng.normal(1, 0.15, 12).clip(0.3)
                for m in np.flatnonzero(months) + 1:
                    if year == LAST_YEAR and m > LAST_MONTH:
                        continue
                    purchases.append(
                        (year, int(m), prod.product_code, buyers.code[j], int(monthly[m - 1]))
                    )
    agree_df = pd.DataFrame(
        agreements, columns=["year", "product_code", "institution_code", "agreed_volume"]
    )
    purch_df = pd.DataFrame(
        purchases, columns=["year", "month", "product_code", "institution_code", "volume"]
    )
    # Scale volumes so the 2023 savings are of the size seed 004 implies for a county.
    unit_saving = prod_df.set_index("product_code")
    unit_saving = unit_saving.price_before - unit_saving.price_after
    saving23 = (
        purch_df[purch_df.year == CALIBRATION_YEAR].set_index("product_code").volume * unit_saving
    ).sum()
    factor = PROCUREMENT_SAVINGS_2023 / saving23
    agree_df["agreed_volume"] = (agree_df.agreed_volume * factor).round().astype("int64")
    purch_df["volume"] = (purch_df.volume * factor).round().astype("int64")
    # 结余留用: national batches pay back ~30% of the previous year's savings per institution.
    saved = purch_df.assign(saving=purch_df.volume * purch_df.product_code.map(unit_saving))
    saved = saved.merge(prod_df[["product_code", "batch_code"]], on="product_code")
    saved = saved[saved.batch_code.isin(batch_df.loc[batch_df.level == "national", "batch_code"])]
    per = saved.groupby(["year", "batch_code", "institution_code"], as_index=False).saving.sum()
    per["year"] += 1
    per = per[per.year <= LAST_YEAR]
    per["amount"] = _round_cents(per.saving * rng.uniform(0.25, 0.35, len(per)))
    return {
        "proc_batch": batch_df,
        "proc_product": prod_df,
        "proc_agreement": agree_df,
        "proc_purchase": purch_df,
        "proc_retained": per[["year", "batch_code", "institution_code", "amount"]].reset_index(
            drop=True
        ),
    }


# --- DRG ------------------------------------------------------------------------------------------

CASES_PER_YEAR = 60_000
MONTH_SEASON = np.array([1.05, 0.82, 1.0, 1.0, 1.0, 0.97, 1.0, 1.02, 0.98, 1.0, 1.04, 1.12])
POINT_VALUE = 7_900.0  # 元 per weight, fund share (assumption: typical county DRG rate × 65%)


def _drg(
    geo: dict[str, pd.DataFrame], scale: Scale, rng: np.random.Generator
) -> dict[str, pd.DataFrame]:
    groups = pd.DataFrame(names.DRG_GROUPS, columns=["drg_code", "name", "weight"])
    inst = geo["institution"]
    hosp = inst[inst.kind.isin(["hospital", "health_centre"])].reset_index(drop=True)
    size = np.where(
        hosp.kind == "hospital",
        np.where(hosp.level == "三级", 30.0, np.where(hosp.level == "二级", 8.0, 1.2)),
        1.0,
    )
    size = size * rng.uniform(0.6, 1.4, len(hosp))
    share = size / size.sum()
    pace = rng.normal(1.0, 0.08, len(hosp)).clip(0.8, 1.25)  # some hospitals spend ahead of budget
    group_p = rng.dirichlet(np.ones(len(groups)) * 2)
    budgets, cases = [], []
    next_id = 1
    for year in YEARS:
        budget_total = DRG_BUDGET_2023 * YEAR_GROWTH["drg_budget"][year] * scale.counties
        budget = _round_cents(budget_total * share)
        budgets.append(pd.DataFrame({"year": year, "hospital_code": hosp.code, "budget": budget}))
        n_year = int(CASES_PER_YEAR * scale.counties * YEAR_GROWTH["drg_budget"][year])
        n_month = _split_exact(n_year, MONTH_SEASON)
        for m in range(1, months_loaded(year) + 1):
            n = int(n_month[m - 1])
            h = rng.choice(len(hosp), size=n, p=share * pace / (share * pace).sum())
            g = rng.choice(len(groups), size=n, p=group_p)
            base_w = groups.weight.to_numpy()[g]
            u = rng.random(n)
            outlier = np.where(u < 0.03, "high", np.where(u < 0.08, "low", "normal"))
            weight = np.round(
                base_w * np.where(outlier == "high", 2.6, np.where(outlier == "low", 0.4, 1.0)), 4
            )
            cost = weight * 11_500 * rng.lognormal(-0.03, 0.25, n)
            cases.append(
                pd.DataFrame(
                    {
                        "case_id": np.arange(next_id, next_id + n),
                        "year": year,
                        "month": m,
                        "hospital_code": hosp.code.to_numpy()[h],
                        "drg_code": groups.drg_code.to_numpy()[g],
                        "weight": weight,
                        "outlier": outlier,
                        "total_cost": _round_cents(cost),
                        "fund_paid": weight * POINT_VALUE * pace[h],
                    }
                )
            )
            next_id += n
    case_df = pd.concat(cases, ignore_index=True)
    budget_df = pd.concat(budgets, ignore_index=True)
    # Scale payments so each year's county total is ~98.5% of its budget over twelve months.
    for year in YEARS:
        sel = case_df.year == year
        want = budget_df.loc[budget_df.year == year, "budget"].sum() * DRG_PAID_SHARE_OF_BUDGET
        full_year_share = MONTH_SEASON[: months_loaded(year)].sum() / MONTH_SEASON.sum()
        case_df.loc[sel, "fund_paid"] *= (
            want * full_year_share / case_df.loc[sel, "fund_paid"].sum()
        )
    case_df["fund_paid"] = _round_cents(case_df.fund_paid)
    return {"drg_group": groups, "drg_budget": budget_df, "drg_case": case_df}


# --- Assembly ------------------------------------------------------------------------------------


def generate(scale: str = "county", seed: int = SEED) -> dict[str, pd.DataFrame]:
    """All tables of the demo warehouse as frames keyed by table name."""
    sc = SCALES[scale]
    rng = np.random.default_rng(seed)
    geo = _geography(sc, rng)
    frames = dict(geo)
    frames.update(_enrollment(geo, sc, rng))
    frames.update(_fund(sc, rng))
    frames.update(_assistance(geo, sc, rng))
    frames.update(_procurement(geo, rng))
    frames.update(_drg(geo, sc, rng))
    return frames


def period_end() -> dt.date:
    return (pd.Timestamp(LAST_YEAR, LAST_MONTH, 1) + pd.offsets.MonthEnd(0)).date()


PROBE_PREFIX = "_probe_"


class RebuildRefused(RuntimeError):
    """The warehouse refuses a table's DDL: nothing was dropped; `message` says so in Chinese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _probe_metadata(tables: tuple[Table, ...]) -> MetaData:
    """Copies of the tables under PROBE_PREFIX names, keys and indexes pointing at the copies."""
    probe = MetaData()
    names = {t.name for t in tables}
    for t in tables:
        columns = [
            Column(
                c.name,
                c.type,
                *(
                    ForeignKey(PROBE_PREFIX + fk.target_fullname)
                    for fk in c.foreign_keys
                    if fk.target_fullname.split(".")[0] in names
                ),
                primary_key=c.primary_key,
                nullable=c.nullable,
                unique=c.unique,
                autoincrement=False,
                comment=c.comment,
            )
            for c in t.columns
        ]
        indexes = []
        for ix in t.indexes:
            copy = Index(PROBE_PREFIX + str(ix.name), *(c.name for c in ix.columns))
            if ix._ddl_if is not None:
                copy.ddl_if(dialect=ix._ddl_if.dialect, callable_=ix._ddl_if.callable_)
            indexes.append(copy)
        Table(PROBE_PREFIX + t.name, probe, *columns, *indexes, comment=t.comment)
    return probe


def check_can_create(engine: Engine, tables: tuple[Table, ...]) -> None:
    """Creates and drops a copy of every table first: raises RebuildRefused if the engine
    refuses one, before anything of the warehouse is dropped (a populated warehouse stays)."""
    if engine.dialect.name == "spark":
        return _check_spark(engine, tables)
    probe = _probe_metadata(tables)
    try:
        probe.drop_all(engine)  # left by an interrupted earlier run
        probe.create_all(engine)
    except SQLAlchemyError as exc:
        raise _refused(exc) from exc
    finally:
        with contextlib.suppress(SQLAlchemyError):
            probe.drop_all(engine)


def _refused(exc: BaseException) -> RebuildRefused:
    reason = str(getattr(exc, "orig", None) or exc).splitlines()[0][:200]
    return RebuildRefused(
        f"数据仓库不接受驾驶舱的建表语句(数据库返回:{reason}),未删除或修改任何现有数据表。"
        "请确认地址指向受支持的数据仓库类型(见 README“规模与部署”)。"
    )


def _check_spark(engine: Engine, tables: tuple[Table, ...]) -> None:
    # Spark parses and analyses a statement under EXPLAIN without running it: the same proof as
    # creating a copy, at a tenth of the cost (a CREATE and a DROP are ~0.5 s each there).
    from sqlalchemy.schema import CreateTable

    with engine.connect() as conn:
        for table in tables:
            ddl = str(CreateTable(table).compile(dialect=engine.dialect))
            try:
                conn.exec_driver_sql("EXPLAIN " + ddl.replace("%", "%%"))
            except SQLAlchemyError as exc:
                raise _refused(exc) from exc


def build(
    url: str, scale: str = "county", seed: int = SEED, *, also_create: tuple[Table, ...] = ()
) -> dict[str, int]:
    """Generates and writes the demo warehouse at url; returns row counts per table.

    Before dropping anything it proves that the engine accepts every table's DDL
    (`check_can_create`); `also_create` adds tables to that proof (a test hook).
    """
    from data_sources.engine import create_warehouse_engine
    from data_sources.region import write_region
    from data_sources.schema import metadata
    from data_sources.writer import write_all

    engine = create_warehouse_engine(url)
    try:
        if engine.dialect.name == "spark":
            from data_sources.spark_writer import WAREHOUSE_TABLES as tables
        else:
            tables = tuple(metadata.sorted_tables)
        check_can_create(engine, tables + also_create)
        frames = generate(scale, seed)
        counts = write_all(
            engine,
            frames,
            period=f"{FIRST_YEAR}-01~{LAST_YEAR}-{LAST_MONTH:02d}",
            period_end=period_end(),
            source=f"{DEMO_SOURCE_PREFIX}(scale={scale}, seed={seed})",
            loaded_by="demo",
        )
        # The demo county is calibrated on 南昌县; the larger scales are made-up cities.
        if scale == "county":
            write_region(engine, "南昌县", "360121", "县")
        else:
            write_region(engine, "演示市", "360100", "市")
        return counts
    finally:
        engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="生成演示数据仓库(以南昌县2023年1-10月数据校准)")
    parser.add_argument("--scale", choices=sorted(SCALES), default="county")
    target = parser.add_mutually_exclusive_group()
    target.add_argument("--out", help="DuckDB 文件路径(默认 data/demo.duckdb)")
    target.add_argument("--url", help="任意 SQLAlchemy 地址,例如 postgresql+psycopg://…")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--if-missing", action="store_true", help="目标 DuckDB 文件已存在时不重建")
    args = parser.parse_args(argv)
    if args.url:
        url = args.url
    else:
        from pathlib import Path

        path = Path(args.out) if args.out else DEMO_DUCKDB_PATH
        if args.if_missing and path.exists():
            print(f"演示数据仓库已存在:{path}")
            return 0
        path.parent.mkdir(parents=True, exist_ok=True)
        for stale in (path, path.with_name(path.name + ".wal")):
            stale.unlink(missing_ok=True)
        url = demo_url(path)
    started = time.perf_counter()
    try:
        counts = build(url, args.scale, args.seed)
    except RebuildRefused as exc:
        print(exc.message, file=sys.stderr)
        return 2
    seconds = time.perf_counter() - started
    print(f"已生成演示数据仓库({args.scale}):{sum(counts.values()):,} 行,用时 {seconds:.1f} 秒")
    for table, rows in counts.items():
        print(f"  {table:<22}{rows:>12,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

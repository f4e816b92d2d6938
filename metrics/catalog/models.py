"""The models: one fact table each, with its time semantics and the dimensions it reaches."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import and_

from data_sources.schema import (
    assistance,
    drg_budget,
    drg_case,
    drg_group,
    enrollment,
    enrollment_target,
    fund_ledger,
    fund_opening_balance,
    institution,
    poverty_alert,
    proc_agreement,
    proc_batch,
    proc_product,
    proc_purchase,
    proc_retained,
    township,
    township_population,
)
from metrics.catalog.dims import (
    batch_dim,
    code_dim,
    institution_dim,
    institution_joins,
    product_dims,
    product_joins,
    township_dim,
)
from metrics.model import DimBinding, Join, Model, period_end_date

MODELS: dict[str, Model] = {
    m.id: m
    for m in (
        Model(
            id="enrollment",
            table=enrollment,
            time="stock",
            year_col=enrollment.c.year,
            month_col=enrollment.c.month,
            dims={
                "township": township_dim(enrollment.c.township_code),
                "scheme": code_dim(enrollment.c.scheme),
                "person_group": code_dim(enrollment.c.person_group),
                "month": code_dim(enrollment.c.month),
            },
            joins={"township": Join(township, township.c.code == enrollment.c.township_code)},
        ),
        Model(
            id="enrollment_target",
            table=enrollment_target,
            time="yearly",
            year_col=enrollment_target.c.year,
            month_col=None,
            dims={
                "township": township_dim(enrollment_target.c.township_code),
                "scheme": code_dim(enrollment_target.c.scheme),
            },
            joins={
                "township": Join(township, township.c.code == enrollment_target.c.township_code)
            },
        ),
        Model(
            id="population",
            table=township_population,
            time="yearly",
            year_col=township_population.c.year,
            month_col=None,
            dims={"township": township_dim(township_population.c.township_code)},
            joins={
                "township": Join(township, township.c.code == township_population.c.township_code)
            },
        ),
        Model(
            id="fund",
            table=fund_ledger,
            time="flow",
            year_col=fund_ledger.c.year,
            month_col=fund_ledger.c.month,
            dims={
                "scheme": code_dim(fund_ledger.c.scheme),
                "flow": code_dim(fund_ledger.c.flow),
                "item": code_dim(fund_ledger.c.item),
                "month": code_dim(fund_ledger.c.month),
            },
            township=None,  # the fund is pooled at county level
        ),
        Model(
            id="fund_opening",
            table=fund_opening_balance,
            time="yearly",
            year_col=fund_opening_balance.c.year,
            month_col=None,
            dims={"scheme": code_dim(fund_opening_balance.c.scheme)},
            township=None,
        ),
        Model(
            id="assistance",
            table=assistance,
            time="flow",
            year_col=assistance.c.year,
            month_col=assistance.c.month,
            dims={
                "township": township_dim(assistance.c.township_code),
                "category": code_dim(assistance.c.category),
                "kind": code_dim(assistance.c.kind),
                "month": code_dim(assistance.c.month),
            },
            joins={"township": Join(township, township.c.code == assistance.c.township_code)},
        ),
        Model(
            id="poverty_alert",
            table=poverty_alert,
            time="flow",
            year_col=poverty_alert.c.year,
            month_col=poverty_alert.c.month,
            dims={
                "township": township_dim(poverty_alert.c.township_code),
                "population_type": code_dim(poverty_alert.c.population_type),
                "month": code_dim(poverty_alert.c.month),
            },
            joins={"township": Join(township, township.c.code == poverty_alert.c.township_code)},
        ),
        Model(
            id="proc_purchase",
            table=proc_purchase,
            time="flow",
            year_col=proc_purchase.c.year,
            month_col=proc_purchase.c.month,
            dims={
                "township": township_dim(institution.c.township_code, ("institution",)),
                "institution": institution_dim(proc_purchase.c.institution_code),
                **product_dims(proc_purchase.c.product_code),
                "month": code_dim(proc_purchase.c.month),
            },
            joins={
                **institution_joins(proc_purchase.c.institution_code),
                **product_joins(proc_purchase.c.product_code),
            },
        ),
        Model(
            id="proc_agreement",
            table=proc_agreement,
            time="yearly",
            year_col=proc_agreement.c.year,
            month_col=None,
            dims={
                "township": township_dim(institution.c.township_code, ("institution",)),
                "institution": institution_dim(proc_agreement.c.institution_code),
                **product_dims(proc_agreement.c.product_code),
            },
            joins={
                **institution_joins(proc_agreement.c.institution_code),
                **product_joins(proc_agreement.c.product_code),
            },
        ),
        Model(
            id="proc_retained",
            table=proc_retained,
            time="yearly",
            year_col=proc_retained.c.year,
            month_col=None,
            dims={
                "township": township_dim(institution.c.township_code, ("institution",)),
                "institution": institution_dim(proc_retained.c.institution_code),
                "batch": batch_dim(proc_retained.c.batch_code, ("batch",)),
                "level": DimBinding(key=proc_batch.c.level, joins=("batch",)),
            },
            joins={
                **institution_joins(proc_retained.c.institution_code),
                "batch": Join(proc_batch, proc_batch.c.batch_code == proc_retained.c.batch_code),
            },
        ),
        Model(
            id="proc_product",
            table=proc_product,
            time="yearly",
            # Products belong to batches, not years: a batch counts in every year it runs
            # up to the period's cut-off.
            year_col=None,
            month_col=None,
            period_filter=lambda p: and_(
                proc_batch.c.start_date <= period_end_date(p),
                proc_batch.c.end_date >= dt.date(p.year, 1, 1),
            ),
            period_joins=("batch",),
            dims={
                "batch": batch_dim(proc_product.c.batch_code, ("batch",)),
                "level": DimBinding(key=proc_batch.c.level, joins=("batch",)),
            },
            joins={"batch": Join(proc_batch, proc_batch.c.batch_code == proc_product.c.batch_code)},
            township=None,
        ),
        Model(
            id="drg_case",
            table=drg_case,
            time="flow",
            year_col=drg_case.c.year,
            month_col=drg_case.c.month,
            dims={
                "township": township_dim(institution.c.township_code, ("institution",)),
                "institution": institution_dim(drg_case.c.hospital_code),
                "drg": DimBinding(
                    key=drg_case.c.drg_code,
                    labels=(("drg_name", drg_group.c.name),),
                    joins=("drg_group",),
                    label_key=drg_group.c.drg_code,
                ),
                "outlier": code_dim(drg_case.c.outlier),
                "month": code_dim(drg_case.c.month),
            },
            joins={
                **institution_joins(drg_case.c.hospital_code),
                "drg_group": Join(drg_group, drg_group.c.drg_code == drg_case.c.drg_code),
            },
        ),
        Model(
            id="drg_budget",
            table=drg_budget,
            time="yearly",
            year_col=drg_budget.c.year,
            month_col=None,
            dims={
                "township": township_dim(institution.c.township_code, ("institution",)),
                "institution": institution_dim(drg_budget.c.hospital_code),
            },
            joins=institution_joins(drg_budget.c.hospital_code),
        ),
    )
}

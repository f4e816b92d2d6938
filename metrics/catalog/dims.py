"""Dimension bindings and joins shared by the models: each dimension's key, label columns and
the joins that reach them, declared once (their display labels are in metrics.present)."""

from __future__ import annotations

from data_sources.schema import (
    institution,
    proc_batch,
    proc_product,
    township,
)
from metrics.model import DimBinding, Join

# Drill-down paths of the metrics that can be broken down below the county.
TOWNSHIP = ("township",)
TOWNSHIP_INSTITUTION = ("township", "institution")


def township_dim(code_col, joins: tuple[str, ...] = ()) -> DimBinding:
    return DimBinding(
        key=code_col,
        labels=(("township_name", township.c.name), ("township_order", township.c.sort_order)),
        joins=(*joins, "township"),
        label_key=township.c.code,
    )


def institution_dim(code_col) -> DimBinding:
    return DimBinding(
        key=code_col,
        labels=(
            ("institution_name", institution.c.name),
            ("institution_kind", institution.c.kind),
            ("institution_level", institution.c.level),
        ),
        joins=("institution",),
        label_key=institution.c.code,
    )


def code_dim(col) -> DimBinding:
    return DimBinding(key=col)


def batch_dim(code_col, joins: tuple[str, ...]) -> DimBinding:
    return DimBinding(
        key=code_col,
        labels=(
            ("batch_name", proc_batch.c.name),
            ("batch_level", proc_batch.c.level),
            ("batch_start", proc_batch.c.start_date),  # batches in the order they started
        ),
        joins=joins,
        label_key=proc_batch.c.batch_code,
    )


def product_dims(product_code_col) -> dict[str, DimBinding]:
    """Batch, level and product of a fact table keyed by product code (purchases, agreements)."""
    return {
        "batch": batch_dim(proc_product.c.batch_code, ("product", "batch")),
        "level": DimBinding(key=proc_batch.c.level, joins=("product", "batch")),
        "product": DimBinding(
            key=product_code_col,
            labels=(("generic_name", proc_product.c.generic_name),),
            joins=("product",),
            label_key=proc_product.c.product_code,
        ),
    }


def product_joins(product_code_col) -> dict[str, Join]:
    return {
        "product": Join(proc_product, proc_product.c.product_code == product_code_col),
        "batch": Join(
            proc_batch, proc_batch.c.batch_code == proc_product.c.batch_code, ("product",)
        ),
    }


def institution_joins(code_col) -> dict[str, Join]:
    return {
        "institution": Join(institution, institution.c.code == code_col),
        "township": Join(
            township, township.c.code == institution.c.township_code, ("institution",)
        ),
    }

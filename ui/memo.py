"""The chart memo moved to `charts.memo`; this name forwards reads and writes to it (its
settings, such as VALIDATE, and its entries are shared)."""

import sys
import types

from charts import memo as _target


class _Forward(types.ModuleType):
    def __getattr__(self, name: str):
        return getattr(_target, name)

    def __setattr__(self, name: str, value: object) -> None:
        if name.startswith("__"):
            super().__setattr__(name, value)
        else:
            setattr(_target, name, value)


sys.modules[__name__].__class__ = _Forward

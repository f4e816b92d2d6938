"""The chart builders moved to the `charts` package (no Streamlit import, shared by ui/ and
exports/); this name forwards to it for code that still imports them from ui."""

import sys
import types

import charts as _target


class _Forward(types.ModuleType):
    def __getattr__(self, name: str):
        return getattr(_target, name)


sys.modules[__name__].__class__ = _Forward

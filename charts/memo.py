"""Process-wide memo of built charts and their Vega-Lite specs.

Building an Altair chart and converting it to Vega-Lite (with schema validation) costs tens of
milliseconds per chart, and a page rerun (every filter change, every click of every session)
used to pay it for every chart although the data under them comes from the result cache and
rarely changes. Builders wrapped with `memoized` return the same chart object for the same
inputs (frames compared by content), and `vega_spec` converts such a chart once.

Charts are treated as immutable once built: the chart methods used here return copies.
"""

from __future__ import annotations

import functools
import hashlib
import pickle
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

import altair as alt
import pandas as pd

# Setting. Charts kept per process: a page shows up to ~12, a few KB to a few hundred KB each.
MAX_CHARTS = 256
# Schema validation of a spec costs as much as building it. The builders' output depends on the
# data only through values, not through the spec's structure, so the page tests (every page,
# every scope, two periods) validate every chart (tests/conftest.py sets this) and the
# running app does not.
VALIDATE = False

P = ParamSpec("P")
C = TypeVar("C", bound=alt.TopLevelMixin)


class _Entry:
    __slots__ = ("chart", "spec")

    def __init__(self, chart: alt.TopLevelMixin) -> None:
        self.chart = chart
        self.spec: dict[str, Any] | None = None


_lock = threading.Lock()
_entries: OrderedDict[bytes, _Entry] = OrderedDict()
_by_id: dict[int, bytes] = {}


def _token(value: Any) -> Any:
    """A picklable stand-in for a value: frames by a digest of their content, index and dtypes."""
    if isinstance(value, pd.DataFrame):
        digest = hashlib.blake2b(digest_size=16)
        digest.update(pd.util.hash_pandas_object(value, index=True).to_numpy().tobytes())
        digest.update(repr((list(value.columns), [str(t) for t in value.dtypes])).encode())
        return ("frame", digest.digest())
    if isinstance(value, dict):
        return ("dict", tuple((k, _token(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return (type(value).__name__, tuple(_token(v) for v in value))
    return value


def key_of(name: str, args: tuple, kwargs: dict) -> bytes | None:
    """The memo key of a builder call, or None when an argument cannot be keyed.

    >>> a = key_of("f", (pd.DataFrame({"x": [1, 2]}),), {"title": "t"})
    >>> a == key_of("f", (pd.DataFrame({"x": [1, 2]}),), {"title": "t"})
    True
    >>> a == key_of("f", (pd.DataFrame({"x": [1, 3]}),), {"title": "t"})
    False
    """
    try:
        raw = pickle.dumps((name, _token(args), _token(kwargs)), protocol=pickle.HIGHEST_PROTOCOL)
    except (TypeError, pickle.PicklingError, AttributeError):
        return None
    return hashlib.blake2b(raw, digest_size=20).digest()


def memoized(builder: Callable[P, C]) -> Callable[P, C]:
    """The builder, returning the chart already built for equal inputs."""

    @functools.wraps(builder)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> C:
        key = key_of(f"{builder.__module__}.{builder.__qualname__}", args, kwargs)
        if key is None:
            return builder(*args, **kwargs)
        with _lock:
            entry = _entries.get(key)
            if entry is not None:
                _entries.move_to_end(key)
                return entry.chart  # type: ignore[return-value]
        chart = builder(*args, **kwargs)  # outside the lock: two sessions may both build once
        with _lock:
            if key not in _entries:
                _entries[key] = _Entry(chart)
                _by_id[id(chart)] = key
                while len(_entries) > MAX_CHARTS:
                    old_key, old = _entries.popitem(last=False)
                    if _by_id.get(id(old.chart)) == old_key:
                        del _by_id[id(old.chart)]
            return _entries[key].chart  # type: ignore[return-value]

    return wrapper


def vega_spec(chart: alt.TopLevelMixin) -> dict[str, Any]:
    """The chart's Vega-Lite spec, converted once for a memoized chart.

    The caller must not modify it (Streamlit copies the top level before it takes data out).
    """
    with _lock:
        key = _by_id.get(id(chart))
        entry = _entries.get(key) if key is not None else None
        if entry is not None and entry.chart is chart and entry.spec is not None:
            return entry.spec
    spec = chart.to_dict(validate=VALIDATE)
    if entry is not None and entry.chart is chart:
        with _lock:
            entry.spec = spec
    return spec


def clear() -> None:
    with _lock:
        _entries.clear()
        _by_id.clear()

"""Finding a CJK font for exported images, so Chinese never renders as boxes (豆腐块).

`cjk_font_family()` looks for a Simplified Chinese font (fontconfig first, then well-known
paths on Linux and Windows), registers its folder with vl-convert once, and returns the family
name to put in the chart config. `require_cjk_font()` raises `ExportError` in Chinese when none
exists: an export without Chinese glyphs is worse than no export.
"""

from __future__ import annotations

import shutil
import subprocess
import threading
from functools import lru_cache
from pathlib import Path

from exports import ExportError

# Preferred families, best first (Simplified Chinese faces before other CJK variants).
PREFERRED = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Microsoft YaHei",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "PingFang SC",
    "SimHei",
    "Noto Serif CJK SC",
)
# Well-known files when fontconfig is absent (Windows, minimal containers): path -> family.
KNOWN_FILES = {
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc": "Noto Sans CJK SC",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc": "Noto Sans CJK SC",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc": "Noto Sans CJK SC",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc": "WenQuanYi Micro Hei",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc": "WenQuanYi Zen Hei",
    "/usr/share/fonts/wenquanyi/wqy-microhei/wqy-microhei.ttc": "WenQuanYi Micro Hei",
    "C:/Windows/Fonts/msyh.ttc": "Microsoft YaHei",
    "C:/Windows/Fonts/simhei.ttf": "SimHei",
    "/System/Library/Fonts/PingFang.ttc": "PingFang SC",
}
NO_FONT_MESSAGE = (
    "未找到中文字体,无法导出图片(否则中文会显示为方框)。"
    "请安装中文字体后重试:Linux 执行 apt-get install fonts-noto-cjk(或 fonts-wqy-microhei),"
    "Windows 请确认 C:\\Windows\\Fonts 下有微软雅黑(msyh.ttc)。"
)

_registered: set[str] = set()
_lock = threading.Lock()


def fc_list_chinese(fields: str) -> list[str]:
    """Lines of `fc-list :lang=zh` in the given fontconfig format ("%{file}\t%{family}"): the
    fonts covering Chinese; no lines when fontconfig is missing or fails.

    >>> isinstance(fc_list_chinese("%{file}"), list)
    True
    """
    if shutil.which("fc-list") is None:
        return []
    try:
        out = subprocess.run(
            ["fc-list", ":lang=zh", "--format", fields + "\n"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return out.splitlines()


def _fontconfig() -> list[tuple[str, str]]:
    """(file, family) pairs of fonts covering Chinese, as fontconfig reports them."""
    pairs = []
    for line in fc_list_chinese("%{file}\t%{family}"):
        file, _, families = line.partition("\t")
        for family in families.split(","):
            if family.strip():
                pairs.append((file.strip(), family.strip()))
    return pairs


@lru_cache(maxsize=1)
def find_cjk_font() -> tuple[str, Path] | None:
    """(family, file) of the best CJK font on this machine, or None."""
    found = _fontconfig()
    for family in PREFERRED:
        for file, fam in found:
            if fam == family and Path(file).exists():
                return family, Path(file)
    for path, family in KNOWN_FILES.items():
        if Path(path).exists():
            return family, Path(path)
    if found:
        file, family = found[0]
        return family, Path(file)
    return None


def _register(folder: Path) -> None:
    with _lock:
        if str(folder) in _registered:
            return
        import vl_convert

        vl_convert.register_font_directory(str(folder))
        _registered.add(str(folder))


def cjk_font_family() -> str | None:
    """The family name of a registered CJK font, or None when the machine has none."""
    found = find_cjk_font()
    if found is None:
        return None
    family, file = found
    _register(file.parent)
    return family


def require_cjk_font() -> str:
    """Like `cjk_font_family`, but raises `ExportError` (in Chinese) when there is none."""
    family = cjk_font_family()
    if family is None:
        raise ExportError(NO_FONT_MESSAGE)
    return family

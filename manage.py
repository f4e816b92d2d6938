#!/usr/bin/env python3
"""医保决策驾驶舱:安装与运行的两个命令 (the two set-up commands). Standard library only.

    python3 manage.py run   [-- streamlit 参数]   建虚拟环境、装依赖、生成演示库、启动驾驶舱
    python3 manage.py test  [-- pytest 参数]      建虚拟环境、装开发依赖和系统组件、ruff、pytest
    python3 manage.py init  参数                   建立空的真实数据仓库(python -m data_sources.init)

On Windows: `py manage.py run` / `py manage.py test`.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
WINDOWS = os.name == "nt"
VENV_PYTHON = VENV / ("Scripts/python.exe" if WINDOWS else "bin/python")
STAMP = VENV / "manage-stamp.json"
DEMO_FILE = ROOT / "data" / "demo.duckdb"
SECRETS = ROOT / ".streamlit" / "secrets.toml"
MIN_PYTHON = (3, 11)
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

USAGE = """用法 Usage:
  python3 manage.py run  [-- streamlit 参数]   启动驾驶舱 http://localhost:8501
  python3 manage.py test [-- pytest 参数]      运行检查与全部测试 (ruff + pytest)
  python3 manage.py init --url 地址 --region-name 名称 --region-code 代码 --level 县
                                               建立空的真实数据仓库 (empty real warehouse)
Windows: py manage.py run / py manage.py test"""


class StepFailed(Exception):
    """A set-up step failed; the message says what to do, in Chinese."""


def say(message: str) -> None:
    print(message, flush=True)


def heading(message: str) -> None:
    say(f"\n==> {message}")


def run(cmd: list[str], *, env: dict[str, str] | None = None) -> int:
    say("$ " + " ".join(str(c) for c in cmd))
    try:
        return subprocess.call([str(c) for c in cmd], cwd=ROOT, env=env)
    except OSError as exc:
        say(f"无法执行 {cmd[0]}:{exc}")
        return 127


# --- Virtual environment and requirements ----------------------------------------------------


def _is_debian() -> bool:
    if Path("/etc/debian_version").exists():
        return True
    try:
        text = Path("/etc/os-release").read_text(encoding="utf-8", errors="replace").lower()
    except OSError:
        return False
    return "debian" in text or "ubuntu" in text


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def _can_apt() -> bool:
    return not WINDOWS and _is_root() and _is_debian() and shutil.which("apt-get") is not None


def _apt_install(packages: list[str]) -> bool:
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    if run(["apt-get", "update"], env=env) != 0:
        return False
    return run(["apt-get", "install", "-y", *packages], env=env) == 0


def ensure_venv() -> None:
    if VENV_PYTHON.exists():
        check = [str(VENV_PYTHON), "-m", "pip", "--version"]
        if subprocess.run(check, capture_output=True, check=False).returncode == 0:
            return
        heading("虚拟环境缺少 pip,正在修复 / repairing pip in .venv")
        if run([VENV_PYTHON, "-m", "ensurepip", "--upgrade"]) == 0:
            return
        raise StepFailed(f"虚拟环境 {VENV} 已损坏:请删除该目录后重新运行本命令。")
    heading(f"创建虚拟环境 / creating virtualenv {VENV.name}")
    if run([sys.executable, "-m", "venv", VENV]) == 0 and VENV_PYTHON.exists():
        return
    # Debian and Ubuntu ship venv (ensurepip) as a separate package.
    if _can_apt():
        say("缺少 python3-venv,尝试安装 / installing python3-venv")
        if _apt_install(["python3-venv"]) and run([sys.executable, "-m", "venv", VENV]) == 0:
            return
    hint = (
        "在 Debian/Ubuntu 上请先执行 sudo apt-get install python3-venv。"
        if _is_debian()
        else "请确认 Python 安装包含 venv 模块。"
    )
    raise StepFailed(f"无法创建虚拟环境 / cannot create virtualenv。{hint}")


def included_files(path: Path, options: tuple[str, ...] = ("-r", "--requirement")) -> list[Path]:
    """The files that path includes with -r (pip installs them too), or other options."""
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split("#", 1)[0].split()
        if len(parts) == 2 and parts[0] in options:
            included = (path.parent / parts[1]).resolve()
            if included.is_file():
                found.append(included)
    return found


def requirements_hash(path: Path, seen: frozenset[Path] = frozenset()) -> str:
    """sha256 of a requirements file together with the files it includes (-r / -c)."""
    digest = hashlib.sha256(path.read_bytes())
    for included in included_files(path, ("-r", "--requirement", "-c", "--constraint")):
        if included not in seen:
            digest.update(requirements_hash(included, seen | {path.resolve()}).encode())
    return digest.hexdigest()


def _read_stamp() -> dict[str, str]:
    try:
        data = json.loads(STAMP.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def ensure_requirements(name: str) -> None:
    path = ROOT / name
    if not path.is_file():
        raise StepFailed(f"找不到依赖清单 {name}。")
    wanted = requirements_hash(path)
    stamp = _read_stamp()
    if stamp.get(name) == wanted:
        say(f"依赖已是最新 / up to date: {name}")
        return
    heading(f"安装依赖 / installing {name}(首次可能需要几分钟)")
    cmd = [VENV_PYTHON, "-m", "pip", "install", "--disable-pip-version-check", "-r", path]
    if run(cmd) != 0:
        raise StepFailed(f"安装 {name} 失败:请检查网络或 pip 源(pip.conf)后重试。")
    stamp[name] = wanted
    # requirements-dev.txt includes requirements.txt: that one is installed now as well.
    for included in included_files(path):
        if included.parent == ROOT:
            stamp[included.name] = requirements_hash(included)
    STAMP.write_text(json.dumps(stamp, indent=2, sort_keys=True), encoding="utf-8")


# --- run ---------------------------------------------------------------------------------------


def configured_warehouse() -> str | None:
    """Where a non-demo warehouse is configured, as data_sources/config.py reads it."""
    if os.environ.get("WAREHOUSE_URL"):
        return "环境变量 WAREHOUSE_URL"
    import tomllib

    try:
        data = tomllib.loads(SECRETS.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    connections = data.get("connections", {})
    warehouse = connections.get("warehouse", {}) if isinstance(connections, dict) else {}
    if isinstance(warehouse, dict) and warehouse.get("url"):
        return ".streamlit/secrets.toml"
    return None


def ensure_demo() -> None:
    where = configured_warehouse()
    if where:
        say(f"使用 {where} 指定的数据仓库,不生成演示库 / using the configured warehouse")
        return
    heading("演示数据仓库 / demo warehouse")
    cmd = [VENV_PYTHON, "-m", "data_sources.demo", "--scale", "county", "--if-missing"]
    if run(cmd) != 0:
        raise StepFailed(f"生成演示数据仓库失败。可删除 {DEMO_FILE.relative_to(ROOT)} 后重试。")


def server_port(extra: list[str]) -> str:
    """The port the server will listen on: --server.port from the extra arguments, else 8501.

    >>> server_port(["--server.port", "8600"]), server_port(["--server.port=8700"]), server_port([])
    ('8600', '8700', '8501')
    """
    for i, arg in enumerate(extra):
        if arg == "--server.port" and i + 1 < len(extra):
            return extra[i + 1]
        if arg.startswith("--server.port="):
            return arg.split("=", 1)[1]
    return "8501"


def command_run(extra: list[str]) -> int:
    ensure_venv()
    ensure_requirements("requirements.txt")
    ensure_system_parts(browser=False)  # the CJK font for chart images, Word/PDF/PPT exports
    ensure_demo()
    if not (ROOT / "app.py").is_file():
        raise StepFailed("找不到 app.py / app.py is missing。")
    heading(f"启动驾驶舱 / starting: http://localhost:{server_port(extra)} (Ctrl+C 停止)")
    if (ROOT / "ui" / "launch.py").is_file():
        # `streamlit run app.py` with the st.navigation layout declared before the first session,
        # so that a deep link to a page goes through the router (see ui/launch.py).
        cmd = [str(VENV_PYTHON), "-m", "ui.launch", *extra]
    else:
        cmd = [str(VENV_PYTHON), "-m", "streamlit", "run", "app.py", *extra]
    say("$ " + " ".join(cmd))
    os.chdir(ROOT)
    if WINDOWS:
        # os.exec* on Windows starts a new process and returns at once: wait for it instead.
        try:
            return subprocess.call(cmd)
        except KeyboardInterrupt:
            return 130
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(cmd[0], cmd)
    return 0  # not reached


def command_init(extra: list[str]) -> int:
    """An empty real warehouse: the runtime requirements, then python -m data_sources.init."""
    ensure_venv()
    ensure_requirements("requirements.txt")
    return run([str(VENV_PYTHON), "-m", "data_sources.init", *extra])


# --- test --------------------------------------------------------------------------------------


def find_chromium() -> str | None:
    return os.environ.get("CHROMIUM_PATH") or next(
        (p for p in map(shutil.which, CHROMIUM_NAMES) if p), None
    )


def has_cjk_font() -> bool | None:
    """True/False from fontconfig; None when fc-list is not available to ask."""
    if shutil.which("fc-list") is None:
        return None
    try:
        out = subprocess.run(
            ["fc-list", ":lang=zh"], capture_output=True, text=True, timeout=60, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return bool(out.strip())


def ensure_system_parts(browser: bool = True) -> None:
    """Chromium for the browser tests, a CJK font for chart exports, Java 17 for the Spark engine
    tests' local cluster (Debian/Ubuntu as root)."""
    heading("系统组件 / system packages: Chromium, 中文字体 CJK font, Java (Spark)")
    chromium, font = find_chromium(), has_cjk_font()
    java = shutil.which("java") is not None
    missing = []
    if browser and not chromium:
        missing.append("chromium")
    if browser and not java:
        missing.append("openjdk-17-jre-headless")
    if font is None and not _is_debian():
        say("未找到 fc-list,无法检测中文字体 / cannot check CJK fonts (no fc-list)")
    elif not font:
        missing += ["fonts-noto-cjk"] if font is False else ["fontconfig", "fonts-noto-cjk"]
    if not missing:
        say(
            "已具备 / present: "
            + (f"Chromium ({chromium})," if chromium else "")
            + "中文字体 CJK font"
            + (", Java" if java else "")
        )
        return
    say("缺少 / missing: " + ", ".join(missing))
    if _can_apt():
        say("以 root 身份在 Debian/Ubuntu 上自动安装 / installing with apt-get")
        java_ok = not browser or shutil.which("java") is not None
        if _apt_install(missing) and find_chromium() and has_cjk_font() and java_ok:
            say("系统组件安装完成 / installed")
            return
        say("自动安装未成功 / apt-get did not succeed.")
    else:
        why = (
            "不是 Debian/Ubuntu"
            if WINDOWS or not _is_debian()
            else "不是 root 用户"
            if not _is_root()
            else "没有 apt-get"
        )
        say(
            f"无法自动安装({why})/ cannot install automatically。"
            f"请手动安装:{' '.join(missing)}(Debian: sudo apt-get install -y chromium "
            "fonts-noto-cjk)。"
        )
    if os.environ.get("CI", "").strip().lower() == "true":
        say("CI=true:缺少这些组件的浏览器/导出测试将失败 / browser tests will FAIL in CI.")
    else:
        say("继续:需要这些组件的浏览器测试将被跳过并说明原因 / browser tests will be skipped.")


def command_test(extra: list[str]) -> int:
    ensure_venv()
    ensure_requirements("requirements-dev.txt")
    ensure_system_parts()
    steps = [
        ("ruff check .", [VENV_PYTHON, "-m", "ruff", "check", "."]),
        ("ruff format --check .", [VENV_PYTHON, "-m", "ruff", "format", "--check", "."]),
        ("pytest " + " ".join(extra), [VENV_PYTHON, "-m", "pytest", *extra]),
    ]
    results = []
    for label, cmd in steps:
        heading(label.strip())
        results.append((label.strip(), run(cmd)))
    heading("汇总 / summary")
    for label, code in results:
        say(f"  {'通过 ok  ' if code == 0 else f'失败 FAIL (exit {code})'}  {label}")
    failed = [label for label, code in results if code != 0]
    if failed:
        say(f"有 {len(failed)} 个步骤失败 / {len(failed)} step(s) failed.")
        return 1
    say("全部通过 / all passed.")
    return 0


# --- entry ------------------------------------------------------------------------------------


def main(argv: list[str]) -> int:
    if hasattr(sys.stdout, "reconfigure"):
        # A console whose encoding lacks Chinese must not stop the set-up.
        sys.stdout.reconfigure(errors="replace")
        sys.stderr.reconfigure(errors="replace")
    if sys.version_info < MIN_PYTHON:
        say(
            f"需要 Python {MIN_PYTHON[0]}.{MIN_PYTHON[1]} 或更高版本,当前为 "
            f"{sys.version.split()[0]} / Python >= 3.11 required."
        )
        return 2
    if not argv or argv[0] in ("-h", "--help", "help"):
        say(USAGE)
        return 0 if argv else 2
    command, extra = argv[0], argv[1:]
    if extra[:1] == ["--"]:
        extra = extra[1:]
    commands = {"run": command_run, "test": command_test, "init": command_init}
    if command not in commands:
        say(f"未知命令 / unknown command: {command}\n{USAGE}")
        return 2
    try:
        return commands[command](extra)
    except StepFailed as exc:
        say(f"\n错误 / error: {exc}")
        return 1
    except KeyboardInterrupt:
        say("\n已中断 / interrupted.")
        return 130


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

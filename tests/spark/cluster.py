"""A real Spark standalone cluster on 127.0.0.1 from the pinned pip `pyspark` package.

One master, two workers (1 core, 1 GB each) and the Thrift/HiveServer2 server (driver 1 GB),
each in a process group of its own so that `stop()` ends it with every child (executors), also
when the start failed half-way. All state (work, logs, metastore, warehouse, tmp) lives under
the directory given, never in the project.

    with SparkCluster(tmp_dir) as cluster:
        engine = create_warehouse_engine(cluster.url())
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

MASTER_PORT = 7177
MASTER_UI_PORT = 8180
WORKER_UI_PORTS = (8181, 8182)
THRIFT_PORT = 10100
START_TIMEOUT = 180.0


def spark_home() -> Path | None:
    """The Spark distribution inside the installed pyspark package, or None."""
    try:
        import pyspark
    except ImportError:
        return None
    return Path(pyspark.__file__).parent


def missing() -> str | None:
    """Why a cluster cannot start here (no Java, no pyspark, no PyHive), or None."""
    if shutil.which("java") is None:
        return "未找到 Java(java 不在 PATH 中)/ Java not found"
    if spark_home() is None:
        return "未安装 pyspark(pip install -r requirements-dev.txt)/ pyspark not installed"
    try:
        import pyhive.hive  # noqa: F401
    except ImportError as exc:
        return f"未安装 PyHive 或其依赖({exc.name})/ PyHive not installed"
    return None


def _port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


@dataclass
class SparkCluster:
    root: Path
    thrift_port: int = THRIFT_PORT
    master_port: int = MASTER_PORT
    extra_conf: dict[str, str] = field(default_factory=dict)
    procs: list[subprocess.Popen] = field(default_factory=list)

    def url(self, database: str = "default") -> str:
        """The warehouse URL of a database, with the shared staging directory for bulk loads."""
        return f"spark://127.0.0.1:{self.thrift_port}/{database}?stage_dir={self.root / 'stage'}"

    def _env(self) -> dict[str, str]:
        home = spark_home()
        assert home is not None
        env = dict(os.environ)
        env.update(
            SPARK_HOME=str(home),
            SPARK_LOG_DIR=str(self.root / "logs"),
            SPARK_PID_DIR=str(self.root / "pids"),
            SPARK_WORKER_DIR=str(self.root / "work"),
            SPARK_LOCAL_DIRS=str(self.root / "tmp"),
            SPARK_LOCAL_IP="127.0.0.1",
            SPARK_MASTER_HOST="127.0.0.1",
            SPARK_DAEMON_MEMORY="256m",
            SPARK_NO_DAEMONIZE="1",
            PYSPARK_PYTHON=os.environ.get("PYSPARK_PYTHON", "python3"),
        )
        env.pop("SPARK_CONF_DIR", None)
        return env

    def _spawn(self, name: str, args: list[str], daemon_memory: str = "256m") -> None:
        log = open(self.root / "logs" / f"{name}.out", "wb")  # noqa: SIM115 (child keeps it)
        try:
            proc = subprocess.Popen(
                args,
                cwd=self.root,
                # spark-submit sizes the Thrift server's heap from SPARK_DAEMON_MEMORY, not
                # from spark.driver.memory.
                env={**self._env(), "SPARK_DAEMON_MEMORY": daemon_memory},
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # its own process group: stop() ends its children too
            )
        finally:
            log.close()
        self.procs.append(proc)

    def start(self) -> SparkCluster:
        for sub in ("logs", "pids", "work", "tmp", "warehouse", "stage"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        # Another run on this machine holds the first ports: take the next free pair.
        for offset in range(4):
            if not (_port_open(MASTER_PORT + offset) or _port_open(THRIFT_PORT + offset)):
                self.master_port, self.thrift_port = MASTER_PORT + offset, THRIFT_PORT + offset
                break
        else:
            raise RuntimeError("ports 7177-7180 / 10100-10103 are all in use")
        home = spark_home()
        assert home is not None
        cls = str(home / "bin" / "spark-class")
        master = f"spark://127.0.0.1:{self.master_port}"
        tmp = self.root / "tmp"
        try:
            self._spawn(
                "master",
                [cls, "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
                 "--port", str(self.master_port), "--webui-port", str(MASTER_UI_PORT)],
            )  # fmt: skip
            for i, ui in enumerate(WORKER_UI_PORTS, start=1):
                self._spawn(
                    f"worker{i}",
                    [cls, "org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1",
                     "--cores", "1", "--memory", "1g", "--webui-port", str(ui),
                     "--work-dir", str(self.root / "work" / f"w{i}"), master],
                )  # fmt: skip
            metastore = self.root / "metastore_db"
            conf = {
                "spark.ui.enabled": "false",
                "spark.driver.memory": "1g",
                "spark.driver.host": "127.0.0.1",
                "spark.driver.bindAddress": "127.0.0.1",
                "spark.executor.memory": "768m",
                "spark.executor.cores": "1",
                # Small data: one shuffle partition instead of 200 tasks a stage, no adaptive
                # re-planning, no waiting for a data-local slot (about half a statement's time).
                "spark.sql.shuffle.partitions": "1",
                "spark.sql.adaptive.enabled": "false",
                "spark.locality.wait": "0s",
                "spark.default.parallelism": "2",
                "spark.sql.warehouse.dir": str(self.root / "warehouse"),
                "spark.local.dir": str(tmp),
                "spark.driver.extraJavaOptions": f"-Djava.io.tmpdir={tmp} -Dderby.system.home={self.root}",
                "spark.executor.extraJavaOptions": f"-Djava.io.tmpdir={tmp}",
                "spark.hadoop.javax.jdo.option.ConnectionURL": (
                    f"jdbc:derby:;databaseName={metastore};create=true"
                ),
            }
            conf.update(self.extra_conf)
            args = [str(home / "bin" / "spark-submit"), "--master", master,
                    "--class", "org.apache.spark.sql.hive.thriftserver.HiveThriftServer2",
                    "--name", "yibao-thrift"]  # fmt: skip
            for key, value in conf.items():
                args += ["--conf", f"{key}={value}"]
            args += [
                "--hiveconf", f"hive.server2.thrift.port={self.thrift_port}",
                "--hiveconf", "hive.server2.thrift.bind.host=127.0.0.1",
                "spark-internal",
            ]  # fmt: skip
            self._spawn("thrift", args, daemon_memory="1g")
            self._wait()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait(self) -> None:
        from pyhive import hive

        deadline = time.monotonic() + START_TIMEOUT
        last: Exception | None = None
        while time.monotonic() < deadline:
            for proc in self.procs:
                if proc.poll() is not None:
                    raise RuntimeError(
                        f"a Spark process ended early ({proc.args[1]}): {self.log_tail()}"
                    )
            if _port_open(self.thrift_port):
                try:
                    conn = hive.connect("127.0.0.1", port=self.thrift_port, auth="NONE")
                    try:
                        cur = conn.cursor()
                        cur.execute("SELECT 1")
                        cur.fetchall()
                        return
                    finally:
                        conn.close()
                except Exception as exc:  # the server accepts before it can answer
                    last = exc
            time.sleep(1)  # polling a starting server, not a test waiting on time
        raise TimeoutError(
            f"Spark Thrift server not answering after {START_TIMEOUT:.0f} s: {last}\n{self.log_tail()}"
        )

    def log_tail(self, lines: int = 30) -> str:
        out = []
        for path in sorted((self.root / "logs").glob("*.out")):
            text = path.read_text(errors="replace").splitlines()[-lines:]
            out.append(f"--- {path.name}\n" + "\n".join(text))
        return "\n".join(out)

    def stop(self) -> None:
        """Ends every process group it started: TERM, then KILL after 20 s."""
        for proc in reversed(self.procs):
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 20
        for proc in self.procs:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            # The group may hold executors even after its leader ended.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
        for proc in self.procs:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=5)
        self.procs.clear()

    def __enter__(self) -> SparkCluster:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

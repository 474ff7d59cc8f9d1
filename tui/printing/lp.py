"""Send a PDF to a CUPS queue by piping it into ``lp`` — no temporary file.

Note for deployment: CUPS itself spools the job under /var/spool/cups and, by default,
keeps the document for a while after printing (``PreserveJobFiles``). A hall that must not
keep personal data on disk sets ``PreserveJobFiles No`` in cupsd.conf.
"""

from __future__ import annotations

import shutil
import subprocess

__all__ = ["PrintError", "print_pdf"]

LP_TIMEOUT_SECONDS = 30


class PrintError(Exception):
    """Printing failed; the message is Chinese and fit for the clerk."""


def _check_queue(queue: str) -> None:
    # CUPS queue names: printable, no space, '/', '#' or '\\'; a leading '-' would be an option.
    if (
        not queue
        or queue.startswith("-")
        or any(c.isspace() or c in "/#\\" or not c.isprintable() for c in queue)
    ):
        raise PrintError(f"打印机队列名 {queue!r} 无效，请检查打印机设置。")


def print_pdf(data: bytes, queue: str | None, *, title: str | None = None, copies: int = 1) -> None:
    """Stream ``data`` (a PDF) to ``lp -d QUEUE`` on stdin. ``queue`` None prints to the
    system's default destination. ``title`` becomes the job name (keep personal data out
    of it: job names are listed by ``lpstat`` to everyone)."""
    if not data:
        raise PrintError("没有可打印的内容（PDF 为空）。")
    if copies < 1:
        raise PrintError(f"打印份数必须至少为 1（实为 {copies}）。")
    lp = shutil.which("lp")
    if lp is None:
        raise PrintError("找不到打印命令 lp：请安装 CUPS 客户端（cups-client），或联系技术员。")
    cmd = [lp, "-s"]  # -s: no "request id is …" chatter on stdout
    if queue is not None:
        _check_queue(queue)
        cmd += ["-d", queue]
    if copies != 1:
        cmd += ["-n", str(copies)]
    if title:
        cmd += ["-t", title]
    # No file argument: lp reads the document from stdin and streams it to cupsd.
    try:
        done = subprocess.run(
            cmd,
            input=data,
            capture_output=True,
            timeout=LP_TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise PrintError(
            f"打印命令 lp 在 {LP_TIMEOUT_SECONDS} 秒内没有响应，请检查打印服务（CUPS）。"
        ) from exc
    except OSError as exc:
        raise PrintError(f"无法运行打印命令 lp：{exc.strerror or exc}") from exc
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip()[:300]
        where = f"打印机 {queue} " if queue else "默认打印机"
        raise PrintError(
            f"{where}打印失败（lp 退出码 {done.returncode}）" + (f"：{detail}" if detail else "。")
        )

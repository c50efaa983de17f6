"""The monthly report (yuedu tongbao) as PowerPoint and PDF, built from the same numbers the pages show.

:func:`dashboard.outputs.report.content.build_report` turns a dataset and a period into a plain
:class:`~dashboard.outputs.report.content.Report`; :mod:`~dashboard.outputs.report.pptx_writer` and
:mod:`~dashboard.outputs.report.pdf_writer` draw it. :func:`write_report` picks the writer by suffix.
"""

from __future__ import annotations

from pathlib import Path

from dashboard.outputs.report.content import Report, build_report

__all__ = ["FORMATS", "Report", "build_report", "render", "write_report"]

FORMATS = ("pptx", "pdf")


def render(report: Report, fmt: str) -> bytes:
    """The report as the bytes of a ``pptx`` or ``pdf`` file."""
    if fmt == "pptx":
        from dashboard.outputs.report.pptx_writer import pptx_bytes

        return pptx_bytes(report)
    if fmt == "pdf":
        from dashboard.outputs.report.pdf_writer import pdf_bytes

        return pdf_bytes(report)
    raise ValueError(f"report format must be pptx or pdf, got {fmt!r}")


def write_report(report: Report, path: Path) -> Path:
    """Write the report to ``path``; its suffix (``.pptx`` or ``.pdf``) decides the format."""
    path.write_bytes(render(report, path.suffix.lower().lstrip(".")))
    return path

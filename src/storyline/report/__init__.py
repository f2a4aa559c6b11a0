"""Present stage: a self-contained HTML report, JSON and Markdown views of stories."""

from __future__ import annotations

from .html import render_report, write_report

__all__ = ["render_report", "write_report"]

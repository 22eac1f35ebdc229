"""A report described in a small YAML file, so next year's report is one changed line.

municipality: Bærum
year: 2024
group: asss
compare: [Asker]
sectors: [pleie-og-omsorg, grunnskole]   # default: all
formats: [html, pdf, docx, xlsx]
out: rapporter
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kostra.errors import ConfigError

__all__ = ["FORMATS", "ReportConfig", "read_report_config"]

FORMATS = ("html", "pdf", "docx", "xlsx")


class ReportConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    municipality: str | None = None
    year: int | None = None
    group: str = "asss"
    compare: list[str] = Field(default_factory=lambda: ["Asker"])
    sectors: list[str] | None = None
    formats: list[str] = Field(default_factory=lambda: ["html"])
    out: Path = Path("rapporter")


def read_report_config(path: Path) -> ReportConfig:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot be read as YAML ({str(exc).splitlines()[0]})") from exc
    try:
        config = ReportConfig.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise ConfigError(f"{path}: {'.'.join(map(str, first['loc']))}: {first['msg']}") from exc
    unknown = set(config.formats) - set(FORMATS)
    if unknown:
        raise ConfigError(f"{path}: unknown format {sorted(unknown)[0]!r}; choose from {', '.join(FORMATS)}")
    return config

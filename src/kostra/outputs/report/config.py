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

from kostra.errors import ConfigError, os_reason, validation_reason, yaml_where

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
    except OSError as exc:
        raise ConfigError(f"{path}: kan ikke leses ({os_reason(exc)})") from exc
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: er ikke en tekstfil i UTF-8; en rapportfil er YAML") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: er ikke gyldig YAML ({yaml_where(exc)})") from exc
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: en rapportfil er en YAML-tabell med nøkler som municipality og year")
    try:
        config = ReportConfig.model_validate(raw)
    except ValidationError as exc:
        keys = ", ".join(ReportConfig.model_fields)
        raise ConfigError(f"{path}: {validation_reason(exc.errors()[0])} (nøklene er {keys})") from exc
    unknown = set(config.formats) - set(FORMATS)
    if unknown:
        raise ConfigError(f"{path}: ukjent format {sorted(unknown)[0]!r}; velg blant {', '.join(FORMATS)}")
    return config

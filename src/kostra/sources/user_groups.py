"""Reading user-defined comparison groups from a small YAML or CSV file.

YAML::

    groups:
      - id: naboer
        name_nb: Nabokommuner
        members: [Asker, Drammen, "3312"]

CSV (one row per member)::

    group_id,group_name,municipality
    naboer,Nabokommuner,Asker

Members may be given by name or number; they are resolved by the caller.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from kostra.errors import InputError, yaml_where
from kostra.sources.statbank import decode_text, read_user_file

__all__ = ["UserGroup", "read_user_groups"]

_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")


@dataclass(frozen=True)
class UserGroup:
    id: str
    name_nb: str
    # (as written, where): where is "naboer.csv, rad 3" or "naboer.yaml: gruppe naboer, medlem nr. 2"
    members: tuple[tuple[str, str], ...]


def _check_id(group_id: str, where: str) -> str:
    if not _ID.match(group_id):
        raise InputError(f"{where}: gruppe-id-en {group_id!r} kan bare ha små bokstaver, sifre og '-'")
    return group_id


def _member_text(value: object, where: str) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int) or not str(value).strip():
        shown = repr(value)
        shown = shown if len(shown) <= 40 else shown[:37] + "..."
        raise InputError(f"{where}: et medlem er en kommune gitt med navn eller nummer, ikke {shown}")
    return str(value).strip()


def _from_yaml(text: str, name: str) -> list[UserGroup]:
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InputError(f"{name}: er ikke gyldig YAML ({yaml_where(exc)})") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("groups"), list):
        raise InputError(f"{name}: ventet en liste under 'groups:'")
    out = []
    for i, raw in enumerate(doc["groups"], start=1):
        where = f"{name}: gruppe nr. {i}"
        if not isinstance(raw, dict) or "id" not in raw or not raw.get("members"):
            raise InputError(f"{where} trenger en 'id' og en liste 'members'")
        group_id = _check_id(str(raw["id"]), where)
        if not isinstance(raw["members"], list):
            raise InputError(
                f"{name}: gruppe {group_id}: 'members' må være en liste, f.eks. [Asker, Drammen]"
            )
        title = raw.get("name_nb", group_id)
        if not isinstance(title, str | int) or isinstance(title, bool):
            raise InputError(f"{name}: gruppe {group_id}: 'name_nb' må være tekst")
        members = tuple(
            (
                _member_text(m, f"{name}: gruppe {group_id}, medlem nr. {j}"),
                f"{name}: gruppe {group_id}, medlem nr. {j}",
            )
            for j, m in enumerate(raw["members"], start=1)
        )
        out.append(UserGroup(group_id, str(title), members))
    return out


def _from_csv(text: str, name: str) -> list[UserGroup]:
    reader = csv.DictReader(io.StringIO(text), delimiter=";" if text.count(";") > text.count(",") else ",")
    needed = {"group_id", "municipality"}
    if reader.fieldnames is None or not needed <= set(reader.fieldnames):
        raise InputError(f"{name}: overskriftsraden må ha kolonnene group_id og municipality")
    groups: dict[str, tuple[str, list[tuple[str, str]]]] = {}
    for row in reader:
        where = f"{name}, rad {reader.line_num}"
        group_id = _check_id((row.get("group_id") or "").strip(), where)
        member = (row.get("municipality") or "").strip()
        if not member:
            raise InputError(f"{where}: kommunen mangler (kolonnen municipality er tom)")
        title = (row.get("group_name") or group_id).strip()
        groups.setdefault(group_id, (title, []))[1].append((member, where))
    return [UserGroup(gid, title, tuple(members)) for gid, (title, members) in groups.items()]


def read_user_groups(path: Path) -> list[UserGroup]:
    text = decode_text(read_user_file(path), path.name)
    groups = (
        _from_yaml(text, path.name)
        if path.suffix.lower() in {".yaml", ".yml"}
        else _from_csv(text, path.name)
    )
    if not groups:
        raise InputError(f"{path.name}: har ingen grupper")
    seen: set[str] = set()
    for group in groups:
        if group.id in seen:
            raise InputError(f"{path.name}: gruppen {group.id} er definert to ganger")
        seen.add(group.id)
    return groups

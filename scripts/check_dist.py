"""Check the built sdist and wheel hold what users and Airflow need: ``python scripts/check_dist.py DIST``.

The wheel: ``py.typed``, every sandbox seed of the source tree, the ``apache_airflow_provider``
entry point (whose provider info names this distribution, as Airflow insists), the licence as
an SPDX expression, and dependency metadata that refuses an Airflow older than the floor.
The sdist: ``LICENSE``. Prints one line per check and exits 1 if any fails.
"""

from __future__ import annotations

import configparser
import sys
import tarfile
import zipfile
from collections.abc import Callable
from email.message import Message
from email.parser import Parser
from pathlib import Path
from typing import Any

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "airflow_batchmod"
ENTRY_POINT = f"{PACKAGE}.get_provider_info:get_provider_info"
#: The Airflow versions the floor must refuse and accept (task_state_store arrived in 3.3.0).
REFUSED_AIRFLOW, FLOOR_AIRFLOW = "3.2.99", "3.3.0"
TESTED_PYTHON = "3.11"

Check = tuple[str, Callable[[], str | None]]  # a description, and a problem (or None)


def only(folder: Path, pattern: str) -> Path:
    found = sorted(folder.glob(pattern))
    if len(found) != 1:
        raise SystemExit(f"expected one {pattern} in {folder}, found {[p.name for p in found]}")
    return found[0]


def metadata_of(text: str) -> Message:
    return Parser().parsestr(text, headersonly=True)


def wheel_checks(wheel: zipfile.ZipFile) -> list[Check]:
    names = set(wheel.namelist())
    dist_info = next(n.split("/")[0] for n in names if n.split("/")[0].endswith(".dist-info"))
    metadata = metadata_of(wheel.read(f"{dist_info}/METADATA").decode())
    seeds = sorted((ROOT / PACKAGE / "sandbox" / "seed").glob("*.json"))

    def typed() -> str | None:
        return None if f"{PACKAGE}/py.typed" in names else "py.typed is missing"

    def seeds_match() -> str | None:
        if not seeds:
            return "the source tree has no seeds to compare with"
        for seed in seeds:
            inside = f"{PACKAGE}/sandbox/seed/{seed.name}"
            if inside not in names:
                return f"{inside} is missing"
            if wheel.read(inside) != seed.read_bytes():
                return f"{inside} differs from the source tree"
        return None

    def entry_point() -> str | None:
        parser = configparser.ConfigParser()
        parser.read_string(wheel.read(f"{dist_info}/entry_points.txt").decode())
        group = "apache_airflow_provider"
        if not parser.has_section(group) or ENTRY_POINT not in dict(parser.items(group)).values():
            return f"no [{group}] entry point naming {ENTRY_POINT}"
        module_path = ENTRY_POINT.split(":")[0].replace(".", "/") + ".py"
        if module_path not in names:
            return f"{module_path} is missing"
        namespace: dict[str, Any] = {"__name__": "provider_info_from_wheel"}
        exec(compile(wheel.read(module_path), module_path, "exec"), namespace)
        info = namespace[ENTRY_POINT.split(":")[1]]()
        if canonicalize_name(str(info.get("package-name"))) != canonicalize_name(metadata["Name"]):
            return f"provider info names {info.get('package-name')!r}, the wheel is {metadata['Name']!r}"
        return None

    def licence() -> str | None:
        if metadata["License-Expression"] != "Apache-2.0":
            return f"License-Expression is {metadata['License-Expression']!r}"
        if f"{dist_info}/licenses/LICENSE" not in names:
            return "the wheel carries no LICENSE"
        return None

    def airflow_floor() -> str | None:
        wanted = [Requirement(r) for r in metadata.get_all("Requires-Dist", []) if not Requirement(r).marker]
        airflow = [r for r in wanted if canonicalize_name(r.name) == "apache-airflow"]
        if len(airflow) != 1:
            return "apache-airflow is not a dependency"
        accepted = airflow[0].specifier
        if REFUSED_AIRFLOW in accepted or FLOOR_AIRFLOW not in accepted:
            return f"apache-airflow{accepted} should refuse {REFUSED_AIRFLOW} and accept {FLOOR_AIRFLOW}"
        return None

    def python_floor() -> str | None:
        spec = SpecifierSet(metadata["Requires-Python"] or "")
        older = f"3.{int(TESTED_PYTHON.split('.')[1]) - 1}"
        if TESTED_PYTHON not in spec or older in spec:
            return f"Requires-Python {spec} should start at the tested {TESTED_PYTHON}"
        return None

    def only_the_package() -> str | None:
        top = {n.split("/")[0] for n in names} - {dist_info}
        return None if top == {PACKAGE} else f"the wheel holds {sorted(top)}, not just {PACKAGE}"

    return [
        ("wheel holds py.typed", typed),
        ("wheel holds every sandbox seed", seeds_match),
        ("wheel declares the Airflow provider entry point", entry_point),
        ("wheel's licence is the SPDX expression Apache-2.0, with LICENSE", licence),
        (f"wheel refuses Airflow < {FLOOR_AIRFLOW}", airflow_floor),
        (f"wheel requires Python >= {TESTED_PYTHON}", python_floor),
        ("wheel holds only the package", only_the_package),
    ]


def sdist_checks(sdist: tarfile.TarFile) -> list[Check]:
    root = sdist.getnames()[0].split("/")[0]

    def licence() -> str | None:
        member = sdist.extractfile(f"{root}/LICENSE") if f"{root}/LICENSE" in sdist.getnames() else None
        if member is None:
            return "LICENSE is missing"
        return None if member.read() == (ROOT / "LICENSE").read_bytes() else "LICENSE differs"

    return [("sdist holds LICENSE", licence)]


def main(folder: Path) -> int:
    problems = 0
    with (
        zipfile.ZipFile(only(folder, "*.whl")) as wheel,
        tarfile.open(only(folder, "*.tar.gz")) as sdist,
    ):
        for description, check in [*wheel_checks(wheel), *sdist_checks(sdist)]:
            problem = check()
            print(
                f"{'ok  ' if problem is None else 'FAIL'} {description}" + (f": {problem}" if problem else "")
            )
            problems += problem is not None
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: python scripts/check_dist.py DIST_FOLDER")
    sys.exit(main(Path(sys.argv[1])))

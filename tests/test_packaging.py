"""The package as pip installs it, not as the checkout holds it: a wheel built from the project's own files
carries every template and static file, and a leaflet renders from it in a fresh virtual environment.

No download: the wheel is built with the test environment's setuptools (no build isolation), and the fresh
environment borrows the test environment's installed dependencies through a ``.pth`` file, so only the
wheel's own code comes from the wheel. It runs from a temporary folder, so the checkout is not on its path.
"""

import io
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

from pypdf import PdfReader

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("app", "search", "exports")
SOURCE = ("setup.cfg", "pyproject.toml", "README.md", *PACKAGES)

RENDER = """
import sys
from datetime import date
from pathlib import Path

from exports.leaflets import render
from exports.leaflets.content import Entry, Leaflet, Section, UrgentContact

assert Path(render.__file__).resolve().is_relative_to(Path(sys.prefix).resolve()), render.__file__
entry = Entry(id=7, name="Packaged Peer Support", summary="A group that meets on Tuesdays", organisation="Wheel Trust",
              kind="group", who="Adults", cost="Free", referral=("Self-referral",), when=("Tue 10:00-12:00",),
              where=("1 High Street, Bath",), how=("In person",), accessibility=(), phone="01225 000000", email="",
              website="", confirmed="December 2026", url="https://wellaware.example/services/7")
leaflet = Leaflet(kind="hub", title="Help and support in Wheelton", subtitle="From the installed package",
                  site_url="https://wellaware.example",
                  urgent=(UrgentContact("Samaritans", "Call 116 123", "free, 24 hours a day"),),
                  sections=(Section("Peer support", "Groups near you", (entry,)),), places=("Bath",), hub="wheelton")
Path(sys.argv[1]).write_bytes(render.render_pdf(leaflet, "a5", date(2026, 12, 1)))
print(render.__file__)
"""


def run(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "PYTHONHOME")}
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"{' '.join(command)}\n{result.stdout}\n{result.stderr}"
    return result


def build_wheel(tmp_path: Path) -> Path:
    """A wheel built from a copy of the project's files (the checkout itself is left untouched)."""
    source = tmp_path / "source"
    source.mkdir()
    for name in SOURCE:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(ROOT / name, source / name)
    built = run([sys.executable, "-m", "pip", "wheel", "--verbose", "--no-deps", "--no-build-isolation",
                 "--no-index", "--wheel-dir", str(tmp_path / "dist"), str(source)], tmp_path)
    output = built.stdout + built.stderr
    assert "is absent from the `packages` configuration" not in output, "setuptools would leave files out"
    [wheel] = (tmp_path / "dist").glob("wellaware-*.whl")
    return wheel


def test_the_wheel_carries_every_file_of_the_packages(tmp_path: Path) -> None:
    wheel = build_wheel(tmp_path)
    expected = {path.relative_to(ROOT).as_posix() for package in PACKAGES for path in (ROOT / package).rglob("*")
                if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"}
    assert {"exports/leaflets/templates/booklet.html", "exports/leaflets/static/a5.css",
            "app/templates/base.html", "app/static/css/site.css"} <= expected
    with zipfile.ZipFile(wheel) as archive:
        carried = {name for name in archive.namelist() if not name.startswith("wellaware-")}
    assert expected - carried == set(), "files the installed package would lack"


def test_a_leaflet_renders_from_the_installed_package(tmp_path: Path) -> None:
    wheel = build_wheel(tmp_path)
    fresh = tmp_path / "fresh"
    run([sys.executable, "-m", "venv", "--without-pip", str(fresh)], tmp_path)
    python = fresh / "bin" / "python"
    run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", str(wheel)],
        tmp_path)
    fresh_site = Path(run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                          tmp_path).stdout.strip())
    # The dependencies, from the test environment; searched after the fresh environment's own packages.
    borrowed = dict.fromkeys([sysconfig.get_path("purelib"), sysconfig.get_path("platlib")])
    (fresh_site / "borrowed-dependencies.pth").write_text("\n".join(borrowed) + "\n")
    work = tmp_path / "elsewhere"
    work.mkdir()
    rendered = run([str(python), "-c", RENDER, str(work / "leaflet.pdf")], work)

    assert Path(rendered.stdout.strip()).resolve().is_relative_to(fresh.resolve())
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO((work / "leaflet.pdf").read_bytes())).pages)
    for words in ("Help and support in Wheelton", "Packaged Peer Support", "116 123"):
        assert words in " ".join(text.split()), words

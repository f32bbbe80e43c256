"""What ``.ci/install`` asks the system for: serving needs no browser, no Java and no test tools; the tests need
them all; and apt waits for a dpkg lock that unattended upgrades may hold on a fresh machine.

The real script runs from a copy in a temporary folder, as root on a machine with nothing installed, where
apt-get, dpkg, npm and Python are stand-ins that write down how they were called (so nothing is installed).
"""

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
STAND_INS = {
    "dpkg": "exit 1",  # no Debian package is installed
    "id": 'echo 0',  # root
    "apt-get": 'echo "apt-get $*" >> "$LOG"',
    "npm": 'echo "npm $*" >> "$LOG"',
    # python3 answers "import ensurepip, venv", and makes a .venv whose python writes down how it is called.
    "python3": 'if [ "$1 $2" = "-m venv" ]; then mkdir -p "$3/bin"; printf "%s\\n" "#!$BASH" '
               '"echo \\"venv-python \\$*\\" >> \\"\\$LOG\\"" > "$3/bin/python"; chmod +x "$3/bin/python"; fi',
}
TOOLS = ("dirname", "mkdir", "chmod")  # the real ones, for the script and the stand-ins


def install(tmp_path: Path, *arguments: str) -> list[str]:
    project = tmp_path / "project"
    (project / ".ci").mkdir(parents=True)
    shutil.copy2(ROOT / ".ci" / "install", project / ".ci" / "install")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    bash = shutil.which("bash")
    assert bash is not None
    for name, body in STAND_INS.items():
        (bin_dir / name).write_text(f"#!{bash}\n{body}\n")
        (bin_dir / name).chmod(0o755)
    for name in TOOLS:
        real = shutil.which(name)
        assert real is not None, name
        (bin_dir / name).symlink_to(real)
    log = tmp_path / "calls.log"
    log.touch()
    # Only the stand-ins on the PATH: none of this machine's node, java or chromium.
    env = {"PATH": str(bin_dir), "LOG": str(log), "BASH": bash, "HOME": str(tmp_path)}
    result = subprocess.run([bash, str(project / ".ci" / "install"), *arguments], env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    return log.read_text().splitlines()


def installed_debs(calls: list[str]) -> set[str]:
    [install_call] = [call for call in calls if call.startswith("apt-get") and " install " in call]
    return {word for word in install_call.split() if not word.startswith("-")} - {"apt-get", "install"}


@pytest.mark.parametrize("extras", ["", "test"])
def test_apt_waits_for_the_dpkg_lock(tmp_path: Path, extras: str) -> None:
    calls = [call for call in install(tmp_path, *[extras] if extras else []) if call.startswith("apt-get")]
    assert len(calls) == 2 and all("-o DPkg::Lock::Timeout=600" in call for call in calls), calls


def test_serving_installs_no_browser_java_or_test_tools(tmp_path: Path) -> None:
    calls = install(tmp_path)
    debs = installed_debs(calls)
    assert {"libpango-1.0-0", "libharfbuzz-subset0", "nodejs"} <= debs  # (npm is here: a stand-in)
    assert not debs & {"chromium", "default-jre-headless", "poppler-utils"}, debs
    assert "venv-python -m pip install --quiet --disable-pip-version-check -e ." in calls
    assert [call for call in calls if call.startswith("npm")] == [
        "npm ci --omit=dev --no-audit --no-fund --loglevel=error"]


def test_the_tests_get_the_browser_java_and_their_tools(tmp_path: Path) -> None:
    calls = install(tmp_path, "test")
    assert {"chromium", "default-jre-headless", "poppler-utils", "libpango-1.0-0", "nodejs"} <= installed_debs(calls)
    assert "venv-python -m pip install --quiet --disable-pip-version-check -e .[test]" in calls
    assert [call for call in calls if call.startswith("npm")] == ["npm ci --no-audit --no-fund --loglevel=error"]

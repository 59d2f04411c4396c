"""`dist/build.sh combine DIR`, the release workflow's last step: the per-platform
module zips become one module with every bin/<os>-<arch>/, and SHA256SUMS covers
everything. This machine builds one platform; the second platform's zip here is the
real one with its library moved to bin/linux-arm64/, as the arm64 runner's differs
only there."""

import hashlib
import shutil
import subprocess
import zipfile

from conftest import MODULE, ROOT


def platform_copy(source, target, platform, edit=None):
    with zipfile.ZipFile(str(source)) as zin, zipfile.ZipFile(str(target), "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            name = info.filename.replace("/bin/linux-x64/", "/bin/{}/".format(platform))
            if edit and name.endswith(edit[0]):
                data = edit[1](data)
            copy = zipfile.ZipInfo(name, date_time=info.date_time)
            copy.external_attr = info.external_attr
            zout.writestr(copy, data)


def combine(folder):
    return subprocess.run(
        ["bash", str(ROOT / "dist" / "build.sh"), "combine", str(folder)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=120,
    )


def test_one_module_with_every_platforms_library(artifacts, tmp_path):
    shutil.copy2(str(artifacts.module_zip), str(tmp_path))
    shutil.copy2(str(artifacts.tarball), str(tmp_path))
    arm = tmp_path / artifacts.module_zip.name.replace("linux-x64", "linux-arm64")
    platform_copy(artifacts.module_zip, arm, "linux-arm64")
    out = combine(tmp_path)
    assert out.returncode == 0, out.stdout
    merged = tmp_path / "{}-{}.zip".format(MODULE, artifacts.version)
    with zipfile.ZipFile(str(merged)) as z:
        names = set(z.namelist())
        mode = (z.getinfo(MODULE + "/bin/linux-arm64/libssh_troubleshoot.so").external_attr >> 16) & 0o777
    assert MODULE + "/bin/linux-x64/libssh_troubleshoot.so" in names
    assert MODULE + "/bin/linux-arm64/libssh_troubleshoot.so" in names
    assert MODULE + "/SshTroubleshoot.psd1" in names
    assert mode == 0o755
    sums = dict(
        reversed(line.split("  ", 1)) for line in (tmp_path / "SHA256SUMS").read_text().splitlines()
    )
    assert set(sums) == {p.name for p in tmp_path.iterdir() if p.name != "SHA256SUMS"}
    for name, digest in sums.items():
        assert hashlib.sha256((tmp_path / name).read_bytes()).hexdigest() == digest


def test_modules_that_differ_beyond_bin_are_refused(artifacts, tmp_path):
    shutil.copy2(str(artifacts.module_zip), str(tmp_path))
    other = tmp_path / artifacts.module_zip.name.replace("linux-x64", "osx-arm64")
    platform_copy(artifacts.module_zip, other, "osx-arm64",
                  edit=("SshTroubleshoot.psm1", lambda data: data + b"\n# changed\n"))
    out = combine(tmp_path)
    assert out.returncode != 0
    assert "SshTroubleshoot.psm1 differs between the platforms' modules" in out.stdout
    assert not (tmp_path / "{}-{}.zip".format(MODULE, artifacts.version)).exists()

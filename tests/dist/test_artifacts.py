"""What dist/build.sh makes: every artifact named with version, OS and
architecture, checksums that match, a glibc floor of 2.17 for everything native,
a manylinux2014 wheel, and --version naming the version and the commit."""

import hashlib
import re
import subprocess
import tarfile
import zipfile

import pytest

from conftest import GLIBC_FLOOR, MODULE, head_commit

MODULE_FILES = {
    "SshTroubleshoot.psd1",
    "SshTroubleshoot.psm1",
    "SshTroubleshoot.Native.cs",
    "SshTroubleshoot.Format.ps1xml",
    "bin/SshTroubleshoot.Native.dll",
    "LICENSE",
    "bin/linux-x64/libssh_troubleshoot.so",
}


def sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_every_artifact_is_there_named_with_version_os_and_arch(artifacts):
    v = artifacts.version
    assert artifacts.tarball.is_file(), sorted(artifacts.folder.iterdir())
    assert artifacts.module_zip.is_file()
    assert (artifacts.module / "SshTroubleshoot.psd1").is_file()
    assert len(artifacts.wheels) == 1, artifacts.wheels
    assert re.fullmatch(
        r"ssh_troubleshoot-{}-cp310-abi3-[a-z0-9_.]*x86_64\.whl".format(re.escape(v)),
        artifacts.wheel.name,
    ), artifacts.wheel.name
    files = {p.name for p in artifacts.folder.iterdir() if p.is_file()}
    assert files == {
        artifacts.tarball.name,
        artifacts.module_zip.name,
        artifacts.wheel.name,
        "SHA256SUMS",
    }, files


def test_checksums_cover_every_file_and_match(artifacts):
    listed = {}
    for line in artifacts.sums.read_text().splitlines():
        digest, name = line.split("  ", 1)
        listed[name] = digest
    files = {
        p.name for p in artifacts.folder.iterdir() if p.is_file() and p.name != "SHA256SUMS"
    }
    assert set(listed) == files
    for name, digest in listed.items():
        assert sha256(artifacts.folder / name) == digest, name
    # The format `sha256sum -c` reads, as users will check it.
    check = subprocess.run(
        ["sha256sum", "-c", "SHA256SUMS"],
        cwd=str(artifacts.folder),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert check.returncode == 0, check.stdout
    assert check.stdout.count(": OK") == len(files), check.stdout


def test_the_tarball_holds_the_program_and_what_to_read(artifacts):
    stem = artifacts.tarball.name[: -len(".tar.gz")]
    with tarfile.open(str(artifacts.tarball)) as tar:
        members = {m.name: m for m in tar.getmembers()}
    assert set(members) == {
        stem + "/" + name
        for name in ("ssh-troubleshoot", "LICENSE", "README.md", "CHANGELOG.md")
    }, sorted(members)
    program = members[stem + "/ssh-troubleshoot"]
    assert program.mode == 0o755 and program.uid == 0
    assert members[stem + "/LICENSE"].mode == 0o644


def test_the_module_zip_is_the_module_folder(artifacts):
    with zipfile.ZipFile(str(artifacts.module_zip)) as z:
        inside = {
            i.filename: (z.read(i), (i.external_attr >> 16) & 0o777) for i in z.infolist()
        }
    folder = {
        str(p.relative_to(artifacts.module.parent)): p.read_bytes()
        for p in artifacts.module.rglob("*")
        if p.is_file()
    }
    assert {name: data for name, (data, _) in inside.items()} == folder
    names = {name[len(MODULE) + 1:] for name in inside}
    assert MODULE_FILES <= names, sorted(names)
    assert inside[MODULE + "/bin/linux-x64/libssh_troubleshoot.so"][1] == 0o755
    manifest = inside[MODULE + "/SshTroubleshoot.psd1"][0].decode("utf-8-sig")
    assert "ModuleVersion        = '{}'".format(artifacts.version) in manifest


def glibc_versions(path):
    """Every GLIBC_x.y version that the file's dynamic symbols need (objdump -T)."""
    out = subprocess.run(
        ["objdump", "-T", str(path)], stdout=subprocess.PIPE, text=True, check=True
    ).stdout
    found = {tuple(int(n) for n in m.split(".")) for m in re.findall(r"GLIBC_(\d+(?:\.\d+)+)", out)}
    assert found, "no GLIBC symbol versions in {}: not a glibc build?".format(path)
    return found


@pytest.fixture(scope="module")
def wheel_native(artifacts, tmp_path_factory):
    folder = tmp_path_factory.mktemp("wheel")
    with zipfile.ZipFile(str(artifacts.wheel)) as z:
        z.extract("azext_ssh_troubleshoot/_native.abi3.so", str(folder))
    return folder / "azext_ssh_troubleshoot" / "_native.abi3.so"


@pytest.mark.parametrize("which", ["binary", "C library", "wheel's native module"])
def test_nothing_needs_a_glibc_newer_than_2_17(which, unpacked_binary, artifacts, wheel_native):
    path = {
        "binary": unpacked_binary,
        "C library": artifacts.library,
        "wheel's native module": wheel_native,
    }[which]
    newest = max(glibc_versions(path))
    assert newest <= GLIBC_FLOOR, "{} needs GLIBC_{}".format(path, ".".join(map(str, newest)))


def test_the_wheel_is_tagged_manylinux2014(artifacts):
    with zipfile.ZipFile(str(artifacts.wheel)) as z:
        info = z.read(
            "ssh_troubleshoot-{}.dist-info/WHEEL".format(artifacts.version)
        ).decode()
    tags = set(re.findall(r"^Tag: (.+)$", info, re.M))
    assert tags == {
        "cp310-abi3-manylinux_2_17_x86_64",
        "cp310-abi3-manylinux2014_x86_64",
    }, tags
    assert "manylinux2014_x86_64" in artifacts.wheel.name
    assert "manylinux_2_17_x86_64" in artifacts.wheel.name


def test_version_names_the_version_and_the_commit(unpacked_binary, artifacts):
    out = subprocess.run(
        [str(unpacked_binary), "--version"], stdout=subprocess.PIPE, text=True, check=True
    ).stdout.strip()
    m = re.fullmatch(r"ssh-troubleshoot (\S+) \(commit ([0-9a-f]{7,40}(?:-dirty)?|unknown)\)", out)
    assert m, out
    assert m.group(1) == artifacts.version
    commit = head_commit()
    if commit is not None:
        assert m.group(2) == commit, "built from {}, checkout at {}".format(m.group(2), commit)

"""Archives and checksums for dist/build.sh, the same on Linux, macOS and Windows
(Git Bash): no zip, sha256sum or GNU tar needed, only the Python that builds the wheel.

    pack.py tar OUT.tar.gz DIR         DIR as the archive's one top folder
    pack.py zip OUT.zip DIR            the same as a zip (Unix modes kept)
    pack.py sums DIR                   DIR/SHA256SUMS over every file in DIR
    pack.py combine-modules DIR VER    DIR/SshTroubleshoot-VER-*.zip (one per platform)
                                       -> DIR/SshTroubleshoot-VER.zip with every bin/
"""

import hashlib
import os
import re
import stat
import sys
import tarfile
import zipfile

MODULE = "SshTroubleshoot"


def walk(folder):
    """(path, name inside the archive) for every file, sorted: the same order on
    every machine."""
    top = os.path.basename(os.path.normpath(folder))
    found = []
    for parent, dirs, files in os.walk(folder):
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(parent, name)
            inside = os.path.relpath(path, folder).replace(os.sep, "/")
            found.append((path, top + "/" + inside))
    return found


def unix_mode(path):
    """0755 for programs and libraries, else 0644 (Windows has no mode bits)."""
    mode = os.stat(path).st_mode
    executable = mode & stat.S_IXUSR or path.endswith((".so", ".dylib", ".dll", ".exe"))
    return 0o755 if executable else 0o644


def make_tar(out, folder):
    with tarfile.open(out, "w:gz") as tar:
        for path, inside in walk(folder):
            info = tar.gettarinfo(path, arcname=inside)
            info.mode = unix_mode(path)
            info.uid = info.gid = 0
            info.uname = info.gname = "root"
            with open(path, "rb") as f:
                tar.addfile(info, f)


def write_zip_entry(archive, inside, data, mode, date_time=None):
    entry = zipfile.ZipInfo(inside, date_time=date_time or (1980, 1, 1, 0, 0, 0))
    entry.compress_type = zipfile.ZIP_DEFLATED
    entry.external_attr = (stat.S_IFREG | mode) << 16
    archive.writestr(entry, data)


def make_zip(out, folder):
    with zipfile.ZipFile(out, "w") as archive:
        for path, inside in walk(folder):
            with open(path, "rb") as f:
                write_zip_entry(archive, inside, f.read(), unix_mode(path))


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_sums(folder):
    lines = []
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        if name != "SHA256SUMS" and os.path.isfile(path):
            lines.append("{}  {}\n".format(sha256(path), name))
    with open(os.path.join(folder, "SHA256SUMS"), "w", newline="\n") as f:
        f.writelines(lines)


def combine_modules(folder, version):
    """One module for every platform: the per-platform zips hold the same files
    except bin/<os>-<arch>/; any other difference is a broken build."""
    pattern = re.compile(r"^{}-{}-([a-z]+-[a-z0-9]+)\.zip$".format(MODULE, re.escape(version)))
    parts = sorted(n for n in os.listdir(folder) if pattern.match(n))
    if not parts:
        sys.exit("pack.py: no {}-{}-<os>-<arch>.zip in {}".format(MODULE, version, folder))
    merged = {}
    for part in parts:
        with zipfile.ZipFile(os.path.join(folder, part)) as archive:
            for entry in archive.infolist():
                data = archive.read(entry)
                # Text files may differ only in line endings (a Windows checkout).
                key = data.replace(b"\r\n", b"\n") if "/bin/" not in entry.filename else data
                if entry.filename in merged and merged[entry.filename][0] != key:
                    sys.exit("pack.py: {} differs between the platforms' modules ({})".format(
                        entry.filename, part))
                merged.setdefault(entry.filename, (key, (entry.external_attr >> 16) & 0o777))
    out = os.path.join(folder, "{}-{}.zip".format(MODULE, version))
    with zipfile.ZipFile(out, "w") as archive:
        for inside in sorted(merged):
            data, mode = merged[inside]
            write_zip_entry(archive, inside, data, mode or 0o644)
    platforms = sorted(pattern.match(p).group(1) for p in parts)
    print("{}: {}".format(os.path.basename(out), ", ".join(platforms)))


def main(argv):
    commands = {
        "tar": (make_tar, 2),
        "zip": (make_zip, 2),
        "sums": (write_sums, 1),
        "combine-modules": (combine_modules, 2),
    }
    if len(argv) < 2 or argv[1] not in commands or len(argv) - 2 != commands[argv[1]][1]:
        sys.exit(__doc__)
    commands[argv[1]][0](*argv[2:])


if __name__ == "__main__":
    main(sys.argv)

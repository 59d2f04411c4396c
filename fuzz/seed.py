#!/usr/bin/env python3
"""Fills fuzz/corpus/<target>/ with seeds taken from the project's own samples: the
string literals of the tests that hold real captured text (psd1 manifests, mountinfo,
sshd_config, /proc/net/tcp, systemctl output, error messages, request documents), this
machine's own files where they exist, and a few headers and bodies built here the way
the unit tests build them. Corpora are not committed (see .gitignore)."""

import base64
import hashlib
import json
import os
import re
import struct
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "fuzz", "corpus")


def rust_strings(path):
    """String literals of a Rust file (raw and escaped), decoded to bytes."""
    try:
        src = open(os.path.join(ROOT, path), encoding="utf-8").read()
    except OSError:
        return []
    out = []
    i = 0
    n = len(src)
    while i < n:
        c = src[i]
        if src.startswith("//", i):
            j = src.find("\n", i)
            i = n if j < 0 else j
            continue
        if c == "'" and i + 2 < n:
            # char literal or lifetime: skip 'x' / '\n' forms
            m = re.match(r"'(\\.|[^\\'])'", src[i:])
            i += len(m.group(0)) if m else 1
            continue
        m = re.match(r'b?r(#*)"', src[i:])
        if m and (i == 0 or not (src[i - 1].isalnum() or src[i - 1] == "_")):
            hashes = m.group(1)
            end = src.find('"' + hashes, i + len(m.group(0)))
            if end < 0:
                break
            out.append(src[i + len(m.group(0)):end].encode())
            i = end + 1 + len(hashes)
            continue
        if c == '"' or (c == "b" and src.startswith('b"', i)):
            j = i + (2 if c == "b" else 1)
            buf = bytearray()
            while j < n and src[j] != '"':
                if src[j] == "\\" and j + 1 < n:
                    e = src[j + 1]
                    simple = {"n": b"\n", "t": b"\t", "r": b"\r", "0": b"\0",
                              "\\": b"\\", '"': b'"', "'": b"'"}
                    if e in simple:
                        buf += simple[e]
                        j += 2
                    elif e == "x":
                        buf.append(int(src[j + 2:j + 4], 16))
                        j += 4
                    elif e == "u":
                        k = src.find("}", j)
                        buf += chr(int(src[j + 3:k], 16)).encode("utf-8", "surrogatepass")
                        j = k + 1
                    elif e == "\n":
                        j += 2
                        while j < n and src[j] in " \t\n\r":
                            j += 1
                    else:
                        buf += e.encode()
                        j += 2
                else:
                    buf += src[j].encode()
                    j += 1
            out.append(bytes(buf))
            i = j + 1
            continue
        i += 1
    return out


def read(path, limit=1 << 20):
    try:
        with open(path, "rb") as f:
            return f.read(limit)
    except OSError:
        return None


def put(target, data):
    if data is None:
        return
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def strings_from(target, files, min_len=1, keep=lambda s: True):
    for f in files:
        for s in rust_strings(f):
            if len(s) >= min_len and keep(s):
                put(target, s)


def le(fmt, *v):
    return struct.pack("<" + fmt, *v)


def at(buf, off, data):
    buf[off:off + len(data)] = data


def elf64(machine):
    f = bytearray(0x400)
    at(f, 0, bytes([0x7F, 69, 76, 70, 2, 1, 1]))
    at(f, 16, le("H", 3)); at(f, 18, le("H", machine)); at(f, 20, le("I", 1))
    at(f, 32, le("Q", 64)); at(f, 40, le("Q", 0x300)); at(f, 52, le("H", 64))
    at(f, 54, le("H", 56)); at(f, 56, le("H", 1)); at(f, 58, le("H", 64))
    at(f, 60, le("H", 4)); at(f, 64, le("I", 1)); at(f, 96, le("Q", 0x200))
    return bytes(f)


def macho64(cpu):
    f = bytearray(0x1000)
    at(f, 0, bytes([0xCF, 0xFA, 0xED, 0xFE])); at(f, 4, le("I", cpu))
    at(f, 12, le("I", 2)); at(f, 16, le("I", 1)); at(f, 20, le("I", 72))
    at(f, 32, le("I", 0x19)); at(f, 36, le("I", 72)); at(f, 40, b"__TEXT")
    at(f, 80, le("Q", 0x1000))
    return bytes(f)


def fat(cpus):
    f = bytearray(0x1000)
    at(f, 0, bytes([0xCA, 0xFE, 0xBA, 0xBE])); at(f, 4, struct.pack(">I", len(cpus)))
    for i, cpu in enumerate(cpus):
        e = 8 + i * 20
        at(f, e, struct.pack(">IIIII", cpu, 3, 0x1000 * (i + 1), 0x1000, 12))
    return bytes(f)


def pe(machine):
    f = bytearray(0x800)
    at(f, 0, b"MZ"); at(f, 0x3C, le("I", 0x80)); at(f, 0x80, b"PE\0\0")
    at(f, 0x84, le("H", machine)); at(f, 0x86, le("H", 2)); at(f, 0x94, le("H", 0xF0))
    s = 0x80 + 24 + 0xF0
    at(f, s, b".text\0\0\0"); at(f, s + 16, le("II", 0x200, 0x400))
    at(f, s + 40, b".rdata\0\0"); at(f, s + 56, le("II", 0x200, 0x600))
    return bytes(f)


def jwt(claims):
    enc = lambda d: base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()
    return f"{enc({'alg': 'RS256', 'typ': 'JWT'})}.{enc(claims)}.c2ln".encode()


def main():
    core = "rust/core/src/"
    # psd1
    strings_from("psd1", [core + "parse/psd1_tests.rs", core + "checks/ps_modules.rs"],
                 keep=lambda s: b"@{" in s or b"Version" in s)
    put("psd1", read(os.path.join(ROOT, "powershell/SshTroubleshoot/SshTroubleshoot.psd1")))
    manifest = read(os.path.join(ROOT, "powershell/SshTroubleshoot/SshTroubleshoot.psd1"))
    if manifest:
        put("psd1", b"\xff\xfe" + manifest.decode("utf-8", "replace").encode("utf-16-le"))
        put("psd1", manifest.decode("utf-8", "replace").encode("utf-16-be"))
    # mountinfo
    strings_from("mountinfo", [core + "parse/mountinfo.rs", core + "checks/proxy_file.rs"],
                 keep=lambda s: b" - " in s)
    put("mountinfo", read("/proc/self/mountinfo"))
    # exe
    for m in (0x3E, 0xB7, 0x03, 0x28):
        put("exe", elf64(m))
    for cpu in (0x01000007, 0x0100000C):
        put("exe", macho64(cpu))
    put("exe", fat([0x01000007, 0x0100000C]))
    for m in (0x8664, 0xAA64, 0x14C):
        put("exe", pe(m))
    put("exe", b"#!/bin/sh\nexec true\n")
    for p in ("/bin/ls", "/usr/bin/ssh", "/bin/sh"):
        data = read(p, 4096)
        put("exe", data)
    # explain: every sample and message text the tests hold
    ex = [core + "explain/" + f for f in ("tests.rs", "tests_robust.rs", "tests_samples.rs",
                                         "tests_scale.rs", "kb.rs")]
    strings_from("explain", ex + ["rust/cli/tests/explain_and_usage.rs"], min_len=12)
    for s in rust_strings(core + "explain/tests_samples.rs")[:40]:
        if len(s) > 40:
            put("explain", b"\xff\xfe" + s.decode("utf-8", "replace").encode("utf-16-le"))
    # request documents
    strings_from("request_json", ["rust/core/tests/contract.rs", "rust/core/tests/engine.rs",
                                  "rust/ffi/src/lib.rs", "rust/python/src/lib.rs",
                                  "tests/ffi/smoke.c"],
                 keep=lambda s: s.lstrip().startswith(b"{"))
    base = {"schemaVersion": 1}
    for doc in (
        dict(base, command="checks"),
        dict(base, command="diagnose", explain="ssh: connect to host x port 22: Connection refused"),
        dict(base, command="apply-fixes", fixes=["client.proxy-binary:chmod"], offline=True),
        dict(base, command="server", port=2222, sshdConfig="/etc/ssh/sshd_config", networkTargets=["a:443"]),
        dict(base, command="diagnose", client="azure-cli", target={"subscription": "s", "resourceGroup": "g", "name": "m", "resourceType": "Microsoft.HybridCompute/machines"},
             azure={"accessToken": "x.y.z", "armEndpoint": "https://127.0.0.1:1"}, deadlineMs=5, localUser="u", probeCredentials=True),
        dict(base, command="disable-ssh", target={"resourceGroup": "g", "name": "m"}),
    ):
        put("request_json", json.dumps(doc).encode())
    # ARM bodies (first byte: status index 0 = 200)
    bodies = [
        {"value": [{"actions": ["*"], "notActions": ["Microsoft.Authorization/*/Write"], "dataActions": [], "notDataActions": []}]},
        {"value": [{"actions": ["Microsoft.HybridCompute/machines/*/read", "Microsoft.HybridConnectivity/endpoints/listCredentials/action"],
                    "dataActions": ["Microsoft.HybridCompute/machines/login/action"]}], "nextLink": "https://x"},
        {"name": "m", "type": "Microsoft.HybridCompute/machines", "properties": {"status": "Connected", "agentVersion": "1.45.02800.2154", "osType": "linux", "osName": "ubuntu",
         "lastStatusChange": "2024-01-01T00:00:00Z", "agentConfiguration": {"incomingConnectionsPorts": ["22", 2222]}}},
        {"properties": {"serviceName": "SSH", "port": 22}}, {"properties": {"serviceName": "SSH", "port": " 2222 "}},
        {"value": [{"name": "m", "type": "Microsoft.HybridCompute/machines"}, {"name": "M", "type": "microsoft.scvmm/virtualmachines"}]},
        {"value": [{"properties": {"type": "AADSSHLoginForLinux"}}]},
        {"registrationState": "Registered"},
        {"error": {"code": "ResourceNotFound", "message": "The Resource was not found."}},
    ]
    for i, b in enumerate(bodies):
        put("arm_body", bytes([0]) + json.dumps(b).encode())
        put("arm_body", bytes([3 + i % 5]) + json.dumps(b).encode())
    put("arm_body", bytes([7]) + b"<html>502 Bad Gateway</html>")
    # tokens
    now = 1750000000
    for c in ({"tid": "t", "oid": "o", "upn": "ana@contoso.com", "exp": now, "aud": "https://management.azure.com/"},
              {"appid": "a", "exp": "123", "aud": ["x", "y"]}, {"azp": "z", "exp": 1.5e9}):
        put("arm_token", jwt(c))
        put("arm_token", b"Bearer " + jwt(c))
    put("arm_token", b"a.b")
    # Retry-After
    for s in (b"2", b"Sun, 06 Nov 1994 08:49:37 GMT", b"\n250", b"\n\n1000", b"soon\nx\n7"):
        put("arm_retry_after", s)
    # sshd_config
    strings_from("sshd_config", [core + "parse/sshd_config_tests.rs", core + "checks/server_sshd_config.rs",
                                 "rust/cli/tests/server.rs"],
                 keep=lambda s: any(k in s.lower() for k in (b"port", b"listen", b"include", b"match", b"address")))
    put("sshd_config", read("/etc/ssh/sshd_config"))
    put("sshd_config", b"Port 22\nInclude sshd_config.d/*.conf\n\0Port 2222\nListenAddress [::1]:2200\n\0Include /etc/ssh/sshd_config.d/*\nMatch User x\nPort 1\n")
    # /proc/net/tcp
    strings_from("proc_net_tcp", [core + "parse/proc_net_tcp.rs", core + "checks/server_sshd_answers_tests.rs"],
                 keep=lambda s: b"local_address" in s or b": " in s)
    put("proc_net_tcp", read("/proc/net/tcp"))
    put("proc_net_tcp", read("/proc/net/tcp6"))
    # systemctl show / os-release
    strings_from("sshd_service", [core + "parse/sshd_service.rs", core + "checks/server_sshd_service.rs"],
                 keep=lambda s: b"=" in s)
    put("sshd_service", read("/etc/os-release"))
    for t in sorted(os.listdir(CORPUS)):
        print(f"{t}: {len(os.listdir(os.path.join(CORPUS, t)))} seeds")


if __name__ == "__main__":
    sys.exit(main())

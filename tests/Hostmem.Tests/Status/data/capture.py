#!/usr/bin/env python3
"""Records what `hostmem status` reads from a real, paused QEMU, for the unit tests in this folder.

usage: capture.py OUTDIR NAME [--prefix CMD...] -- QEMU ARGS...   (no -qmp: this script adds one)

Starts QEMU (after the optional prefix, e.g. `numactl -m 0`) with -qmp on a fresh unix socket, waits for the QMP greeting
(QEMU greets after preallocating memory), then writes into OUTDIR:
  NAME.cmdline      QEMU's /proc/PID/cmdline (NUL-separated, as the kernel keeps it)
  NAME.numa_maps    /proc/PID/numa_maps
  NAME.maps         /proc/PID/maps
  NAME.memdev.json  the "return" of query-memdev
  NAME.ramblock.txt the "return" of human-monitor-command "info ramblock"
and quits QEMU. Run as a user who may read QEMU's /proc files (it starts QEMU, so any user).
"""
import json, os, socket, subprocess, sys, time

out, name = sys.argv[1], sys.argv[2]
rest = sys.argv[3:]
prefix = []
if rest and rest[0] == "--prefix":
    cut = rest.index("--")
    prefix, rest = rest[1:cut], rest[cut:]
if not rest or rest[0] != "--":
    sys.exit(__doc__)
qemu = rest[1:]
sock = f"/tmp/hostmem-capture-{os.getpid()}.sock"
p = subprocess.Popen(prefix + qemu + ["-qmp", f"unix:{sock},server=on,wait=off"])
deadline = time.time() + 120
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
while True:
    if p.poll() is not None:
        sys.exit(f"QEMU exited with {p.returncode}")
    try:
        s.connect(sock)
        break
    except OSError:
        if time.time() > deadline:
            p.kill(); sys.exit("no QMP socket")
        time.sleep(0.1)
f = s.makefile("rwb")
def recv():
    while True:
        msg = json.loads(f.readline())
        if "event" not in msg:
            return msg
def execute(cmd, args=None):
    req = {"execute": cmd}
    if args:
        req["arguments"] = args
    f.write(json.dumps(req).encode() + b"\n"); f.flush()
    return recv()
recv()
execute("qmp_capabilities")
memdev = execute("query-memdev")["return"]
ramblock = execute("human-monitor-command", {"command-line": "info ramblock"})["return"]
# numa_maps names the process's own executable path only through file=; `prefix` processes exec QEMU (same PID).
pid = p.pid
os.makedirs(out, exist_ok=True)
for suffix, src in (("cmdline", "cmdline"), ("numa_maps", "numa_maps"), ("maps", "maps")):
    with open(f"/proc/{pid}/{src}", "rb") as r, open(os.path.join(out, f"{name}.{suffix}"), "wb") as w:
        w.write(r.read())
with open(os.path.join(out, f"{name}.memdev.json"), "w") as w:
    json.dump(memdev, w, indent=1); w.write("\n")
with open(os.path.join(out, f"{name}.ramblock.txt"), "w") as w:
    w.write(ramblock)
execute("quit")
p.wait(timeout=30)
os.path.exists(sock) and os.unlink(sock)
print(f"captured {name}: {len(memdev)} memdevs, pid {pid}")

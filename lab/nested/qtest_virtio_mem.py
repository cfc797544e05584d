"""A virtio-mem driver that runs outside the guest, through QEMU's qtest protocol
(-chardev socket,id=qtc,path=SOCKET -object qtest,id=qt,chardev=qtc beside -S -accel tcg: Debian's QEMU 10 has no qtest
accelerator, and the qtest object answers on any).

The lab's nested CXL host cannot boot a guest kernel inside itself within CI's budget (TCG inside TCG: a 6.12 guest had
not plugged 64 MiB after 900 s), and QEMU plugs virtio-mem memory only when a driver asks for it. This is that driver,
written from the virtio 1.2 spec (4.1 virtio over PCI, 2.7 split virtqueues, 5.15 memory device): it finds the device on
bus 0, gives its BAR an address, negotiates features, sets up the request queue in guest RAM and then, like Linux's
virtio_mem, plugs or unplugs blocks until plugged_size equals requested_size. The device code, the memory backend and
its binding are QEMU's own; no guest CPU runs (-S).
"""
import socket, time

VENDOR, DEVICE = 0x1AF4, 0x1040 + 24  # virtio 1.x PCI device id for virtio-mem (device type 24)
BAR_ADDRESS = 0xE000_0000              # in the PCI hole below the IOAPIC, above -m on every lab line
# common configuration (struct virtio_pci_common_cfg)
DFSELECT, DF, GFSELECT, GF, STATUS, QSELECT, QSIZE, QENABLE, QNOTIFYOFF, QDESC, QAVAIL, QUSED = (
    0x00, 0x04, 0x08, 0x0C, 0x14, 0x16, 0x18, 0x1C, 0x1E, 0x20, 0x28, 0x30)
ACK, DRIVER, DRIVER_OK, FEATURES_OK = 1, 2, 4, 8
# device configuration (struct virtio_mem_config)
BLOCK_SIZE, ADDR, PLUGGED, REQUESTED = 0x00, 0x10, 0x28, 0x30
PLUG, UNPLUG_ALL = 0, 2  # request types; a response's type 0 is ACK
QUEUE = 8                                        # entries: one request in flight needs two descriptors
DESC, AVAIL, USED, REQ, RESP = 0x10_0000, 0x10_1000, 0x10_2000, 0x10_3000, 0x10_3100  # in boot RAM


class Qtest:
    """One qtest connection: QEMU connects to the socket this listens on, then answers each command with one line."""

    def __init__(self, path):
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(path)
        self.server.listen(1)

    def accept(self, timeout):
        self.server.settimeout(timeout)
        conn, _ = self.server.accept()
        conn.settimeout(30)
        self.f = conn.makefile("rwb")

    def ask(self, command):
        self.f.write(command.encode() + b"\n"); self.f.flush()
        while True:
            line = self.f.readline().decode().strip()
            if not line:
                raise RuntimeError(f"qtest closed after {command!r}")
            if line.startswith("IRQ"):  # only with irq_intercept, which this driver never asks for
                continue
            if not line.startswith("OK"):
                raise RuntimeError(f"qtest: {command!r}: {line}")
            parts = line.split()
            return int(parts[1], 16) if len(parts) > 1 else None

    def read(self, width, addr): return self.ask(f"read{width} 0x{addr:x}")
    def write(self, width, addr, value): self.ask(f"write{width} 0x{addr:x} 0x{value:x}")


class VirtioMem:
    def __init__(self, qt):
        self.qt = qt
        self.slot = self._find()
        self.caps = self._capabilities()
        self._start()

    def _cfg_addr(self, reg): return 0x8000_0000 | (self.slot << 11) | (reg & 0xFC)

    def _cfg_read(self, reg, width):
        self.qt.ask(f"outl 0xcf8 0x{self._cfg_addr(reg):x}")
        value = self.qt.ask("inl 0xcfc") >> (8 * (reg & 3))
        return value & ((1 << (8 * width)) - 1)

    def _cfg_write32(self, reg, value):
        self.qt.ask(f"outl 0xcf8 0x{self._cfg_addr(reg):x}")
        self.qt.ask(f"outl 0xcfc 0x{value:x}")

    def _find(self):
        for slot in range(32):
            self.slot = slot
            if self._cfg_read(0, 2) == VENDOR and self._cfg_read(2, 2) == DEVICE:
                return slot
        raise RuntimeError("no virtio-mem-pci device on PCI bus 0")

    def _capabilities(self):
        """Reads the vendor capabilities (virtio 1.2, 4.1.4), places their BAR at BAR_ADDRESS and enables it; returns the
        address of each structure by cfg_type (1 common, 2 notify, 3 ISR, 4 device) and "mult", the notify multiplier."""
        caps, ptr = {}, self._cfg_read(0x34, 1)
        while ptr:
            if self._cfg_read(ptr, 1) == 0x09 and self._cfg_read(ptr + 3, 1) in (1, 2, 3, 4):  # not the PCI cfg window
                kind, bar, offset = self._cfg_read(ptr + 3, 1), self._cfg_read(ptr + 4, 1), self._cfg_read(ptr + 8, 4)
                caps.setdefault(kind, (bar, offset, self._cfg_read(ptr + 16, 4) if kind == 2 else 0))
            ptr = self._cfg_read(ptr + 1, 1)
        bars = {bar for bar, _, _ in caps.values()}
        if len(bars) != 1 or not {1, 2, 4} <= caps.keys():
            raise RuntimeError(f"unexpected virtio capabilities {caps}")
        bar = bars.pop()
        self._cfg_write32(0x10 + 4 * bar, BAR_ADDRESS)
        self._cfg_write32(0x14 + 4 * bar, 0)                            # 64-bit BAR: the high half
        self._cfg_write32(0x04, self._cfg_read(0x04, 2) | 0x6)           # memory space and bus master
        return {kind: BAR_ADDRESS + offset for kind, (_, offset, _) in caps.items()} | {"mult": caps[2][2]}

    def _common(self, width, reg, value=None):
        addr = self.caps[1] + reg
        return self.qt.read(width, addr) if value is None else self.qt.write(width, addr, value)

    def config(self, reg):
        """A 64-bit field of the device configuration, as two 32-bit reads (QEMU's virtio-pci regions take at most 4)."""
        return self.qt.read("l", self.caps[4] + reg) | self.qt.read("l", self.caps[4] + reg + 4) << 32

    def _common64(self, reg, value):
        self._common("l", reg, value & 0xFFFF_FFFF)
        self._common("l", reg + 4, value >> 32)

    def _start(self):
        self._common("b", STATUS, 0)
        self._common("b", STATUS, ACK | DRIVER)
        self._common("l", DFSELECT, 0)
        offered = self._common("l", DF)
        self._common("l", GFSELECT, 0)
        self._common("l", GF, offered & 0b11)          # ACPI_PXM, UNPLUGGED_INACCESSIBLE (QEMU refuses without it)
        self._common("l", GFSELECT, 1)
        self._common("l", GF, 1)                       # VIRTIO_F_VERSION_1
        self._common("b", STATUS, ACK | DRIVER | FEATURES_OK)
        if not self._common("b", STATUS) & FEATURES_OK:
            raise RuntimeError("virtio-mem refused the features")
        self._common("w", QSELECT, 0)
        self._common("w", QSIZE, QUEUE)
        self._common64(QDESC, DESC)
        self._common64(QAVAIL, AVAIL)
        self._common64(QUSED, USED)
        self.notify = self.caps[2] + self._common("w", QNOTIFYOFF) * self.caps["mult"]
        for addr in range(AVAIL, AVAIL + 4 + 2 * QUEUE, 2):
            self.qt.write("w", addr, 0)
        for addr in range(USED, USED + 4 + 8 * QUEUE, 4):
            self.qt.write("l", addr, 0)
        self._common("w", QENABLE, 1)
        self._common("b", STATUS, ACK | DRIVER | FEATURES_OK | DRIVER_OK)
        self.next = 0

    def request(self, kind, addr=0, blocks=0, timeout=60):
        """Sends one request (struct virtio_mem_req) and returns the response type."""
        qt = self.qt
        qt.write("q", REQ, kind); qt.write("q", REQ + 8, addr); qt.write("q", REQ + 16, blocks)
        qt.write("q", RESP, 0xFFFF); qt.write("q", RESP + 8, 0)
        qt.write("q", DESC, REQ); qt.write("l", DESC + 8, 24); qt.write("w", DESC + 12, 1); qt.write("w", DESC + 14, 1)
        qt.write("q", DESC + 16, RESP); qt.write("l", DESC + 24, 16); qt.write("w", DESC + 28, 2); qt.write("w", DESC + 30, 0)
        qt.write("w", AVAIL + 4 + 2 * (self.next % QUEUE), 0)
        self.next += 1
        qt.write("w", AVAIL + 2, self.next & 0xFFFF)
        qt.write("w", self.notify, 0)
        deadline = time.time() + timeout
        while qt.read("w", USED + 2) != self.next & 0xFFFF:
            if time.time() > deadline:
                raise RuntimeError(f"virtio-mem did not answer request {kind} within {timeout} s")
            time.sleep(0.01)
        return qt.read("w", RESP)

    def follow(self, until, poll=0.1):
        """Plugs or unplugs, as Linux's virtio_mem does, until plugged_size is requested_size, for as long as until()
        says; returns the requests made as (kind, blocks, response)."""
        done = []
        while until():
            requested, plugged = self.config(REQUESTED), self.config(PLUGGED)
            if requested > plugged:
                blocks = (requested - plugged) // self.config(BLOCK_SIZE)
                done.append((PLUG, blocks, self.request(PLUG, self.config(ADDR) + plugged, blocks)))
            elif requested < plugged and requested == 0:
                done.append((UNPLUG_ALL, 0, self.request(UNPLUG_ALL)))
            else:
                time.sleep(poll)
        return done

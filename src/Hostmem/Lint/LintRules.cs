using Hostmem.Classification;

namespace Hostmem.Lint;

/// <summary>Every rule <see cref="QemuLinter"/> checks, in the order docs/lint.md lists them.</summary>
public static class LintRules
{
    const Severity E = Severity.Error, W = Severity.Warning;
    const QemuBehaviour Accepts = QemuBehaviour.Accepts, Rejects = QemuBehaviour.Rejects, Depends = QemuBehaviour.Depends;

    // ---- memory backends and who uses them

    public static readonly LintRule CxlMemdevAlsoNumaNode = new("cxl-memdev-also-numa-node", E,
        "a backend is both a guest NUMA node's memory and a cxl-type3 device's volatile memory",
        "the same host memory would appear twice in the guest (as a node, and again as a CXL region the guest may online), which the seed thread calls a hidden feature that should not exist; QEMU 10 refuses it",
        "keep one: the -numa node,memdev= (a plain, fast node; hostmem qemu host-mem-type= gives it HMAT figures) or the cxl-type3 device (for testing the guest's CXL stack)",
        Rejects);

    public static readonly LintRule MemdevUsedTwice = new("memdev-used-twice", E,
        "a memory backend is used by two consumers",
        "a backend maps into the guest once; QEMU refuses a second -numa node, device or -machine memory-backend= for it",
        "give each consumer its own -object memory-backend-*",
        Rejects);

    public static readonly LintRule MemdevNotFound = new("memdev-not-found", E,
        "memdev= names no -object memory-backend-*",
        "QEMU refuses a consumer whose backend does not exist",
        "add -object memory-backend-ram,id=ID,size=SIZE, or correct the id",
        Rejects);

    public static readonly LintRule ObjectIdDuplicate = new("object-id-duplicate", E,
        "two -object options with one id",
        "QEMU refuses a second object with an id already taken; hostmem qemu would also plan the two backends as two guest nodes",
        "give each -object its own id=",
        Rejects);

    public static readonly LintRule ObjectIdInvalid = new("object-id-invalid", E,
        "an -object id that is not a QEMU identifier",
        "QEMU takes ids of letters, digits, '-', '.' and '_', starting with a letter, and refuses any other (an escaped comma, id=m,,x, included)",
        "rename it: a letter first, then letters, digits, '-', '.' or '_' (e.g. id=mem1), and every memdev= that names it",
        Rejects);

    public static readonly LintRule HugetlbSizeUnaligned = new("hugetlb-size-unaligned", E,
        "a hugetlb memfd backend whose size is not a multiple of its huge page size",
        "a hugetlbfs file grows only in whole huge pages: QEMU cannot size the memfd and refuses to start",
        "make size= a multiple of hugetlbsize= (e.g. size=4M with hugetlbsize=2M)",
        Rejects);

    public static readonly LintRule HugetlbNoFreePages = new("hugetlb-no-free-pages", E,
        "a hugetlb memfd backend bound to nodes without enough free huge pages of its size",
        "huge pages come only from the pools set aside in advance: with too few free on the host QEMU cannot map the backend; with too few on the bound nodes the guest gets SIGBUS (is killed) when it touches the memory",
        "reserve huge pages on the node first (echo N > /sys/devices/system/node/nodeX/hugepages/hugepages-SIZEkB/nr_hugepages), bind to a node that has them, or drop hugetlb=on",
        Depends, NeedsHost: true);

    // ---- -m

    public static readonly LintRule MemorySizeRounded = new("memory-size-rounded", Severity.Info,
        "a RAM size (-m) that is not a multiple of 8 KiB",
        "QEMU rounds -m up to 8 KiB, so the guest gets a little more than written, and guest nodes must add up to the rounded size",
        "write -m as a multiple of 8 KiB (e.g. in MiB or GiB)",
        Accepts);

    public static readonly LintRule MemoryMaxmemBelowSize = new("memory-maxmem-below-size", E,
        "-m maxmem= below the RAM size",
        "maxmem= is the most memory the guest can ever have, the initial RAM included; QEMU refuses a smaller one",
        "raise maxmem= to at least the RAM size (and above it to leave room for hotplug or virtio-mem), or drop it",
        Rejects);

    public static readonly LintRule MemorySlotsWithoutMaxmem = new("memory-slots-without-maxmem", E,
        "-m slots= without room above the RAM size",
        "slots= are for memory plugged later, which needs maxmem= above the initial RAM; QEMU refuses slots without it",
        "add maxmem= above the RAM size (e.g. -m 4G,slots=2,maxmem=8G), or drop slots=",
        Rejects);

    // ---- emulated CXL

    public static readonly LintRule CxlType3EmulatedRam = new("cxl-type3-emulated-ram", W,
        "guest RAM behind an emulated cxl-type3 device",
        "every guest access to cxl-type3 memory goes through QEMU's emulated device (an IO path, far slower than RAM, whatever backs it): it is for testing CXL software, not for giving a guest CXL speed",
        "for memory the guest should use as RAM, drop the cxl devices and give the backend its own -numa node bound to the host's CXL node (hostmem qemu: host-mem-type=cxl-ram)",
        Accepts);

    public static readonly LintRule CxlType3Kvm = new("cxl-type3-kvm", E,
        "cxl-type3 memory under KVM",
        "QEMU with an emulated CXL memory device crashes under KVM once the guest runs code from that memory (reported in the seed thread, not fixed)",
        "run this guest with -accel tcg, or drop the cxl-type3 device and use a -numa node bound to the host's CXL node",
        Accepts);

    public static readonly LintRule CxlWithoutNuma = new("cxl-without-numa", W,
        "cxl-type3 memory with no -numa node at all",
        "without any -numa node QEMU writes no SRAT, and the guest kernel makes no NUMA node for the CXL window: the region's memory cannot be onlined as a node",
        "add a node for the boot memory: -object memory-backend-ram,id=ram0,size=SIZE -numa node,nodeid=0,cpus=0-N,memdev=ram0",
        Accepts);

    public static readonly LintRule CxlHypervisorCpu = new("cxl-hypervisor-cpu", W,
        "cxl-type3 memory with a CPU model that sets the hypervisor bit",
        "a Linux guest that sees the hypervisor CPUID bit cannot flush CPU caches for a new CXL region, so committing the region fails ('Failed to synchronize CPU cache state')",
        "add -hypervisor to the CPU model: -cpu qemu64,-hypervisor (or host,-hypervisor under KVM)",
        Accepts);

    public static readonly LintRule CxlOff = new("cxl-off", E,
        "CXL devices without -machine cxl=on",
        "QEMU refuses a pxb-cxl host bridge on a machine with CXL off",
        "add cxl=on to -machine (q35 only)",
        Rejects);

    public static readonly LintRule CxlNoWindow = new("cxl-no-window", W,
        "cxl-type3 memory with no CXL fixed memory window",
        "without -M cxl-fmw.N the guest has no host physical range to map the device's memory into: no region, no memory",
        "add -M cxl-fmw.0.targets.0=BRIDGE_ID,cxl-fmw.0.size=SIZE (at least the device's size, a multiple of 256M)",
        Accepts);

    // ---- HMAT

    public static readonly LintRule HmatDisabled = new("hmat-disabled", E,
        "HMAT options without -machine hmat=on",
        "-numa hmat-lb, hmat-cache and node initiator= describe an ACPI HMAT that QEMU only builds with hmat=on; it refuses them otherwise",
        "add hmat=on to -machine",
        Rejects);

    public static readonly LintRule HmatCpuNodeIncomplete = new("hmat-cpu-node-incomplete", W,
        "a guest node with CPUs and memory lacks a latency or a bandwidth to itself",
        "the guest kernel takes its reference DRAM figures from the CPU nodes' own entries; without both it has none and silently keeps every node in one memory tier",
        "add -numa hmat-lb,initiator=N,target=N,hierarchy=memory for both data-type=access-latency and access-bandwidth",
        Accepts);

    public static readonly LintRule HmatCpuNodesDiffer = new("hmat-cpu-nodes-differ", W,
        "guest nodes with CPUs have figures more than 10% apart",
        "the guest kernel wants every CPU node's own figures within 10% of the first one's; otherwise it gives up HMAT tiering and keeps every node in one tier",
        "give the CPU nodes the same latency and bandwidth to themselves",
        Accepts);

    public static readonly LintRule HmatNodeIncomplete = new("hmat-node-incomplete", W,
        "a CPU-less guest node has no usable latency and bandwidth",
        "a CPU-less node without both a latency and a bandwidth from its initiator gets the default distance: the guest treats it as DRAM, however slow it is",
        "add -numa hmat-lb,initiator=I,target=N,hierarchy=memory with data-type=access-latency and access-bandwidth for it",
        Accepts);

    public static readonly LintRule HmatLbZero = new("hmat-lb-zero", W,
        "a hmat-lb latency or bandwidth of 0",
        "QEMU writes 0 into the HMAT, and the guest kernel reads 0 as no figure at all: the node silently keeps a default tier",
        "write the real figure (latency in ns, bandwidth like 30000M), or leave the entry out",
        Accepts);

    public static readonly LintRule HmatLbZeroedByTable = new("hmat-lb-zeroed", W,
        "an access- figure next to a read- or write- table of the same kind that has no entry for its pair",
        "QEMU writes one HMAT table per data type over every initiator and target, 0 where no entry was given, and the guest kernel applies the tables in order, a 0 included: the later read-/write- table silently zeroes the figure (a 6.12 guest read rl=0)",
        "use one form per kind: access- entries for every pair, or read- and write- entries for every pair",
        Accepts);

    public static readonly LintRule HmatBandwidthUnaligned = new("hmat-bandwidth-unaligned", E,
        "a hmat-lb bandwidth that is not a multiple of 1 MiB/s",
        "QEMU encodes HMAT bandwidth in MiB/s and refuses other values",
        "write the bandwidth with an M or G suffix: bandwidth=30000M",
        Rejects);

    public static readonly LintRule HmatLbDuplicate = new("hmat-lb-duplicate", E,
        "two hmat-lb entries for the same initiator, target, hierarchy and data-type",
        "QEMU refuses a second latency or bandwidth for the same pair",
        "keep one entry per initiator, target, hierarchy and data-type",
        Rejects);

    public static readonly LintRule HmatLbUnencodable = new("hmat-lb-unencodable", E,
        "hmat-lb figures of one table too far apart for QEMU's encoding",
        "QEMU stores each table as 16-bit multiples of one base unit and refuses entries more than 65534 base units apart",
        "round the figures to a common unit (hostmem qemu does this for the figures it writes), or bring them closer",
        Rejects);

    public static readonly LintRule HmatInitiatorNoCpus = new("hmat-initiator-no-cpus", E,
        "an initiator that has no CPUs",
        "an HMAT initiator is a node whose CPUs access memory; QEMU refuses a node without CPUs as one",
        "name a node that has cpus= (given before this option) as initiator, or give the node CPUs",
        Rejects);

    public static readonly LintRule HmatCacheWithoutLb = new("hmat-cache-without-lb", E,
        "hmat-cache for a node without its latency and bandwidth",
        "QEMU refuses memory-side cache attributes for a node whose hmat-lb latency and bandwidth (hierarchy=memory) are not given first",
        "put -numa hmat-lb latency and bandwidth entries for that target before the hmat-cache",
        Rejects);

    public static readonly LintRule HmatTierOverflow = new("hmat-tier-overflow", W,
        "figures so slow that the guest kernel's tier arithmetic overflows",
        "the guest kernel computes the node's abstract distance in an int; past it, the node ranks above DRAM and pages are demoted the wrong way",
        "give the node a lower latency or a higher bandwidth (still slower than DRAM)",
        Accepts);

    public static readonly LintRule HmatLbHostDiffers = new("hmat-lb-host-differs", W,
        "a guest node's hmat-lb latency or bandwidth at least 2x off the host's figures for the memory behind it",
        "the guest kernel tiers a node by its latency and bandwidth against DRAM's, 128 of abstract distance to a tier (mm/memory-tiers.c): a figure 2x off puts the node into another tier than the host's memory has (on a CPU node, every other node), so pages are demoted to memory that is not slower, or kept on memory that is",
        "write the host's figures ('hostmem topology'; 'hostmem probe' where firmware has none or wrong ones, then lint --figures), or drop the entries and let 'hostmem qemu' fill them in (host-mem-type=)",
        Accepts, NeedsHost: true);

    // ---- guest NUMA layout

    public static readonly LintRule NumaNodeMissing = new("numa-node-missing", E,
        "a reference to a guest NUMA node that is not declared",
        "QEMU refuses initiator=, target=, src= and dst= that name no -numa node declared before",
        "declare the node with -numa node,nodeid=N first, or correct the number",
        Rejects);

    public static readonly LintRule NumaNodeIdGap = new("numa-node-id-gap", E,
        "guest NUMA node ids with a gap",
        "QEMU wants node ids 0..N-1 without holes",
        "number the nodes from 0 without gaps",
        Rejects);

    public static readonly LintRule NumaCpuOutOfRange = new("numa-cpu-out-of-range", E,
        "a node's cpus= names a CPU the guest does not have",
        "CPU indexes run from 0 to maxcpus-1 (-smp); QEMU refuses a node with a CPU beyond them (the seed thread's example has cpus=0-4 with 4 CPUs)",
        "write cpus= within 0..maxcpus-1 (cpus=0-3 for -smp 4), or raise -smp",
        Rejects);

    public static readonly LintRule NumaCpusUnassigned = new("numa-cpus-unassigned", W,
        "CPUs that no guest node lists",
        "QEMU starts with a deprecation warning and puts the unlisted CPUs on a node of its choosing: the guest's CPU-to-memory locality is not what the line says",
        "list every CPU 0..maxcpus-1 in some node's cpus=",
        Accepts);

    public static readonly LintRule NumaNodeMem = new("numa-node-mem", E,
        "-numa node,mem= on a current machine type",
        "machine types since 5.1 refuse mem=: a node's memory must come from a backend",
        "write -object memory-backend-ram,id=ramN,size=SIZE and -numa node,memdev=ramN",
        Rejects);

    public static readonly LintRule NumaDistanceBelow10 = new("numa-distance-below-10", E,
        "a NUMA distance below 10",
        "10 is the distance of a node to itself; QEMU refuses smaller values (a guest would ignore such a table anyway)",
        "use 10 for a node to itself and more than 10 between nodes (20 is the usual remote value)",
        Rejects);

    public static readonly LintRule NumaDistanceTooLarge = new("numa-distance-too-large", E,
        "a -numa dist value above 255",
        "a NUMA distance is one byte in the ACPI SLIT (QEMU reads val= as uint8_t) and QEMU refuses a larger one",
        "write a distance from 10 to 255 (ACPI gives 255 the meaning 'unreachable')",
        Rejects);

    public static readonly LintRule NumaLocalDistance = new("numa-local-distance", E,
        "a node's distance to itself other than 10",
        "QEMU refuses a local distance other than 10",
        "drop the entry (QEMU fills in 10) or write val=10",
        Rejects);

    public static readonly LintRule NumaDistanceAsymmetric = new("numa-distance-asymmetric", W,
        "A to B and B to A given with different distances",
        "an asymmetric table gives the guest different fallback orders for allocation and reclaim, and QEMU then needs every pair in both directions",
        "give both directions the same value",
        Accepts);

    public static readonly LintRule NumaDistanceMissing = new("numa-distance-missing", E,
        "a pair of guest nodes without a distance",
        "once any -numa dist is given QEMU needs a distance for every pair of nodes (one direction is enough when symmetric)",
        "add -numa dist,src=A,dst=B,val=N for the missing pair",
        Rejects);

    public static readonly LintRule NumaMemoryMismatch = new("numa-memory-mismatch", E,
        "guest node memory that does not add up to -m",
        "QEMU refuses a NUMA layout whose nodes' memory differs from the RAM size",
        "make -m the sum of the nodes' backend sizes (hostmem qemu grows -m for the nodes it adds)",
        Rejects);

    // ---- host-nodes= and policy= without a host

    public static readonly LintRule HostNodesWithoutPolicy = new("host-nodes-without-policy", E,
        "host-nodes= without policy=",
        "QEMU refuses host-nodes= under the default policy: the nodes would be ignored",
        "add policy=bind (or preferred, interleave)",
        Rejects);

    public static readonly LintRule PolicyWithoutHostNodes = new("policy-without-host-nodes", E,
        "policy= without host-nodes=",
        "QEMU refuses a bind, preferred or interleave policy without nodes to apply it to",
        "add host-nodes=N, or drop policy=",
        Rejects);

    public static readonly LintRule HostNodesOutOfRange = new("host-nodes-out-of-range", E,
        "a host-nodes= value of 128 or more",
        "QEMU supports host nodes 0-127 and refuses larger numbers",
        "use the host's node numbers ('hostmem topology' lists them)",
        Rejects);

    public static readonly LintRule HostMemTypeWithHostNodes = new("host-mem-type-with-host-nodes", E,
        "host-mem-type= together with host-nodes= or policy=",
        "host-mem-type= asks hostmem to choose the nodes and policy (the RFC's rule: 'host-mem-type=' and 'host-nodes='/'policy=' are incompatible); a plain QEMU knows no host-mem-type at all",
        "drop host-nodes= and policy= (hostmem qemu chooses them; host-mem-nodes= and host-mem-policy= steer it), or drop host-mem-type=",
        Rejects);

    // ---- host-nodes= against the host

    public static readonly LintRule HostNodeMissing = new("host-node-missing", E,
        "a bound host node that the host does not have",
        "the kernel drops nodes it does not have from the binding: QEMU refuses the backend when none is left, and silently allocates from the others otherwise",
        "bind to nodes the host has ('hostmem topology'), or let hostmem choose: host-mem-type=TYPE",
        Depends, NeedsHost: true);

    public static readonly LintRule HostNodeOffline = new("host-node-offline", E,
        "a bound host node that is offline",
        "an offline node has no usable memory: the kernel drops it from the binding (QEMU refuses the backend when no node is left)",
        "online the node's memory, or bind to an online node",
        Depends, NeedsHost: true);

    public static readonly LintRule HostNodeNoMemory = new("host-node-no-memory", E,
        "a bound host node without memory",
        "a CPU-only node cannot hold the backend: the kernel drops it from the binding (QEMU refuses the backend when no node is left)",
        "bind to a node with memory ('hostmem topology' shows the sizes)",
        Depends, NeedsHost: true);

    public static readonly LintRule HostNodeOutsideCpuset = new("host-node-outside-cpuset", E,
        "a bound host node outside the process's cpuset",
        "the kernel drops nodes outside cpuset.mems (Mems_allowed_list) from the binding: the memory lands elsewhere, or QEMU refuses when no node is left",
        "run QEMU in a cgroup whose cpuset.mems includes the node, or bind to allowed nodes",
        Depends, NeedsHost: true);

    public static readonly LintRule HostNodeTooSmall = new("host-node-too-small", E,
        "a backend larger than the memory of its host nodes",
        "under policy=bind the guest is killed (or QEMU fails with prealloc=on) once the nodes are full; preferred and interleave silently spill to other nodes",
        "make the backend smaller, bind more nodes (host-mem-nodes=all), or use policy=preferred knowingly",
        Accepts, NeedsHost: true);

    public static readonly LintRule HostNodeLowFree = new("host-node-low-free", W,
        "a backend larger than the free memory of its host nodes",
        "the kernel must reclaim (or swap) on those nodes before the guest's memory fits; with prealloc=on QEMU may fail to start",
        "free memory on the nodes, make the backend smaller, or bind more nodes",
        Accepts, NeedsHost: true);

    public static readonly LintRule HostNodeFar = new("host-node-far", W,
        "bound memory on a node far from the VM's CPUs",
        "every access crosses the farther link, although a node of the same memory type is nearer to the CPUs QEMU runs on (the seed thread's 'numactl -N 0' with the other socket's CXL node)",
        "bind to the nearer node of the same type, move QEMU's CPUs (taskset/--cpus), or let hostmem choose: host-mem-type=TYPE",
        Accepts, NeedsHost: true);

    // ---- virtio-mem: memory plugged after boot
    public static readonly LintRule VirtioMemNoMaxmem = new("virtio-mem-no-maxmem", E,
        "a virtio-mem device without room for device memory",
        "QEMU maps virtio-mem (and DIMM) memory into a region of maxmem minus -m above main RAM; without maxmem= there is none and QEMU refuses the device, and a maxmem= smaller than the devices' memdevs leaves one without room",
        "give -m SIZE,maxmem= of at least SIZE plus every memory device's memdev size (hostmem qemu writes it when it places the memdev)",
        Rejects);

    public static readonly LintRule VirtioMemNodeUnknown = new("virtio-mem-node-unknown", W,
        "a virtio-mem device on an empty guest node that is not the last",
        "QEMU's SRAT names the device-memory region with the last node only and gives empty nodes no entry, so the guest kernel never learns of this node: virtio_mem falls back to the node of the region's address and plugs the memory into node 0 (DRAM's tier; measured in a 6.12 guest), and the guest numbers the later nodes one lower",
        "make the device's node the last (highest) nodeid, or give that node some boot memory",
        Accepts);

    // ---- weighted interleave (hostmem qemu's host-mem-policy=weighted-interleave) against the host's kernel

    public static readonly LintRule WeightedInterleaveUnsupported = new("weighted-interleave-unsupported", E,
        "host-mem-policy=weighted-interleave on a kernel without weighted interleave",
        "MPOL_WEIGHTED_INTERLEAVE and its weights (/sys/kernel/mm/mempolicy/weighted_interleave) came with Linux 6.9: set_mempolicy refuses it before, so hostmem qemu refuses the line",
        "use host-mem-policy=interleave (equal shares, QEMU's own policy), or run the VM on Linux 6.9 or later",
        Accepts, NeedsHost: true);

    public static readonly LintRule WeightedInterleaveEqualWeights = new("weighted-interleave-equal-weights", W,
        "weighted interleave over nodes that all have the same weight",
        "equal weights hand out pages round-robin, as plain interleave does, but through a policy the whole QEMU process inherits (its heap and ROMs too) instead of one backend's",
        "set the weights by the nodes' bandwidth (echo 3 > /sys/kernel/mm/mempolicy/weighted_interleave/node0, ...; Linux >= 6.16: auto mode does it from HMAT), or write host-mem-policy=interleave",
        Accepts, NeedsHost: true);

    public static readonly LintRule WeightedInterleaveWeightZero = new("weighted-interleave-weight-zero", W,
        "a weighted-interleave node whose weight reads 0 or has no weight file",
        "the kernel gives such a node weight 1 (get_il_weight in mm/mempolicy.c), so it gets fewer pages than meant; Linux >= 6.16 refuses to write 0",
        "write the node's weight (1-255) to /sys/kernel/mm/mempolicy/weighted_interleave/nodeN, or leave the node out (host-mem-nodes=LIST)",
        Accepts, NeedsHost: true);

    public static IReadOnlyList<LintRule> All { get; } =
    [
        CxlMemdevAlsoNumaNode, MemdevUsedTwice, MemdevNotFound, ObjectIdDuplicate, ObjectIdInvalid, HugetlbSizeUnaligned, HugetlbNoFreePages,
        MemorySizeRounded, MemoryMaxmemBelowSize, MemorySlotsWithoutMaxmem,
        CxlType3EmulatedRam, CxlType3Kvm, CxlWithoutNuma, CxlHypervisorCpu, CxlOff, CxlNoWindow,
        HmatDisabled, HmatCpuNodeIncomplete, HmatCpuNodesDiffer, HmatNodeIncomplete, HmatLbZero, HmatLbZeroedByTable, HmatBandwidthUnaligned,
        HmatLbDuplicate, HmatLbUnencodable, HmatInitiatorNoCpus, HmatCacheWithoutLb, HmatTierOverflow, HmatLbHostDiffers,
        NumaNodeMissing, NumaNodeIdGap, NumaCpuOutOfRange, NumaCpusUnassigned, NumaNodeMem, NumaDistanceBelow10, NumaDistanceTooLarge, NumaLocalDistance, NumaDistanceAsymmetric,
        NumaDistanceMissing, NumaMemoryMismatch,
        HostNodesWithoutPolicy, PolicyWithoutHostNodes, HostNodesOutOfRange, HostMemTypeWithHostNodes,
        HostNodeMissing, HostNodeOffline, HostNodeNoMemory, HostNodeOutsideCpuset, HostNodeTooSmall, HostNodeLowFree, HostNodeFar,
        VirtioMemNoMaxmem, VirtioMemNodeUnknown,
        WeightedInterleaveUnsupported, WeightedInterleaveEqualWeights, WeightedInterleaveWeightZero,
    ];

    public static LintRule? Find(string code) => All.FirstOrDefault(r => r.Code == code);
}

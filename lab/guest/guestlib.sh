# The lab's guest library (busybox sh). Sourced before each scenario script, in the guest.
# Scenario scripts call: loadmod, w, cxl_* helpers, report, capture, nested_run.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
ACTIONS=/tmp/actions.log
: >> $ACTIONS

log() { echo "lab-guest: $*"; }
fail() { echo "lab-guest: FAIL: $*"; exit 1; }
# result KEY VALUE: a line the host side (and the integration tests) parse.
result() { echo "lab-result: $1=$2"; }

loadmod() {
  for m in "$@"; do
    line=$(grep "^$m " /lib/modules/deps.txt) || { log "no module $m"; return 1; }
    for ko in ${line#* }; do
      n=${ko##*/}; n=${n%.ko}; n=$(echo "$n" | tr - _)
      grep -q "^$n " /proc/modules && continue
      insmod "$ko" || { log "insmod $ko failed"; return 1; }
    done
    echo "modprobe $m" >> $ACTIONS
  done
}

# w VALUE FILE: a logged sysfs write (meta/actions.txt in the fixture says what the guest did).
w() {
  echo "echo $1 > $2" >> $ACTIONS
  if ! echo "$1" > "$2"; then
    echo "  # failed" >> $ACTIONS; log "write '$1' > $2 failed"; return 1
  fi
}
# note TEXT: a comment in the actions log.
note() { echo "# $*" >> $ACTIONS; }

# wait_for PATH [SECONDS]: until PATH exists.
wait_for() {
  i=0; while [ ! -e "$1" ]; do
    i=$((i+1)); [ $i -gt $(( ${2:-20} * 10 )) ] && { log "timed out waiting for $1"; return 1; }
    sleep 0.1
  done
}

# ---- CXL -------------------------------------------------------------------------------------
CXLDEV=/sys/bus/cxl/devices

cxl_load() { loadmod cxl_acpi cxl_pci cxl_mem cxl_pmem dax_cxl "$@"; }

# cxl_wait_memdevs N: until N memdevs have an endpoint port (cxl_mem probed).
cxl_wait_memdevs() {
  i=0
  while [ "$(ls -d $CXLDEV/endpoint* 2>/dev/null | wc -l)" -lt "$1" ]; do
    i=$((i+1)); [ $i -gt 300 ] && { log "only $(ls -d $CXLDEV/endpoint* 2>/dev/null | wc -l) of $1 CXL endpoints appeared"; return 1; }
    sleep 0.1
  done
}

# cxl_endpoint_decoder MEMDEV: the first endpoint decoder of MEMDEV with no capacity assigned.
cxl_endpoint_decoder() {
  for ep in $CXLDEV/endpoint*; do
    [ "$(basename "$(readlink -f "$ep/uport")")" = "$1" ] || continue
    for d in "$ep"/decoder[0-9]*; do
      [ $(( $(cat "$d/dpa_size") )) -eq 0 ] && { basename "$d"; return 0; }
    done
  done
  return 1
}

# cxl_root_decoder_for MEMDEV: the root decoder (CXL window) whose targets include MEMDEV's host bridge.
cxl_root_decoder_for() {
  # the memdev's path: .../pci0000:BB/... ; root decoders list host-bridge ids in target_list,
  # and the root port's dport ids. Walk root0's dports: dportN -> pci0000:BB.
  hb=$(readlink -f $CXLDEV/$1 | sed -n 's|.*/\(pci0000:[0-9a-f]*\)/.*|\1|p')
  for dp in $CXLDEV/root0/dport*; do
    [ "$(basename "$(readlink -f "$dp")")" = "$hb" ] || continue
    id=${dp##*dport}
    for rd in $CXLDEV/decoder0.*; do
      echo ",$(cat "$rd/target_list")," | grep -q ",$id," && { basename "$rd"; return 0; }
    done
  done
  return 1
}

# cxl_ram_region MEMDEV SIZE [nocommit]: create a RAM region over MEMDEV through sysfs (cxl-cli 76
# cannot create RAM regions), commit it and bind it to cxl_region, unless "nocommit". Sets REGION.
cxl_ram_region() {
  md=$1 size=$2
  rd=$(cxl_root_decoder_for "$md") || { log "no root decoder reaches $md"; return 1; }
  ed=$(cxl_endpoint_decoder "$md") || { log "no free endpoint decoder on $md"; return 1; }
  note "RAM region over $md: root decoder $rd, endpoint decoder $ed, size $size${3:+ ($3)}"
  REGION=$(cat $CXLDEV/$rd/create_ram_region)
  w "$REGION" $CXLDEV/$rd/create_ram_region || return 1
  r=$CXLDEV/$REGION
  wait_for $r/interleave_ways 5 || return 1
  w "$(cat $CXLDEV/$rd/interleave_granularity)" $r/interleave_granularity || return 1
  w 1 $r/interleave_ways || return 1
  w ram $CXLDEV/$ed/mode || return 1
  w "$size" $CXLDEV/$ed/dpa_size || return 1
  w "$size" $r/size || return 1
  w "$ed" $r/target0 || return 1
  [ "$3" = nocommit ] && { log "$REGION created, not committed"; return 0; }
  w 1 $r/commit || return 1
  [ -e $r/driver ] || w "$REGION" /sys/bus/cxl/drivers/cxl_region/bind || return 1
  log "$REGION committed and bound ($(cat $r/size) bytes over $md via $rd/$ed)"
}

# ---- reporting -------------------------------------------------------------------------------
# report: what the guest kernel says, one "lab-result:" line per fact.
report() {
  for n in /sys/devices/system/node/node[0-9]*; do
    id=${n##*node}
    cpus=$(cat $n/cpulist)
    mem=$(sed -n 's/.*MemTotal: *\([0-9]*\) kB/\1/p' $n/meminfo)
    tier=""
    for t in /sys/devices/virtual/memory_tiering/memory_tier*; do
      [ -f $t/nodelist ] || continue
      # nodelist is a range list like 0 or 0-1 or 0,2
      if echo ",$(cat $t/nodelist)," | awk -v id=$id -F, '{for(i=2;i<NF;i++){n=split($i,r,"-"); if(n==1&&r[1]==id||n==2&&id>=r[1]&&id<=r[2]) f=1} exit !f}'; then
        tier=${t##*memory_tier}
      fi
    done
    result node$id.cpus "${cpus:-none}"
    result node$id.memkb "$mem"
    result node$id.tier "${tier:-none}"
    for a in access0 access1; do
      d=$n/$a/initiators
      [ -f $d/read_latency ] && result node$id.$a "rl=$(cat $d/read_latency) wl=$(cat $d/write_latency) rb=$(cat $d/read_bandwidth) wb=$(cat $d/write_bandwidth) initiators=$(ls $d | grep '^node' | tr '\n' ',' | sed 's/,$//')"
    done
  done
  for t in /sys/devices/virtual/memory_tiering/memory_tier*; do
    [ -f $t/nodelist ] && result tier${t##*memory_tier}.nodes "$(cat $t/nodelist)"
  done
  for r in $CXLDEV/region*; do
    [ -e "$r" ] || continue
    result cxl.$(basename $r) "mode=$(cat $r/mode 2>/dev/null) size=$(cat $r/size) commit=$(cat $r/commit) target0=$(cat $r/target0 2>/dev/null) driver=$(basename "$(readlink $r/driver 2>/dev/null)" 2>/dev/null)"
  done
  for m in $CXLDEV/mem*; do
    [ -e "$m" ] || continue
    result cxl.$(basename $m) "ram=$(cat $m/ram/size) pmem=$(cat $m/pmem/size) numa_node=$(cat $m/numa_node 2>/dev/null)"
  done
  for n in /sys/bus/nd/devices/namespace* /sys/bus/nd/devices/region*; do
    [ -e "$n/size" ] || continue
    [ "$(cat $n/size)" = 0 ] && continue
    result nd.$(basename $n) "size=$(cat $n/size) mode=$(cat $n/mode 2>/dev/null || cat $n/nstype 2>/dev/null) numa_node=$(cat $n/numa_node 2>/dev/null) target_node=$(cat $n/target_node 2>/dev/null)"
  done
  for d in /sys/bus/dax/devices/*; do
    [ -e "$d" ] || continue
    drv=$(basename "$(readlink $d/driver 2>/dev/null)" 2>/dev/null)
    result dax.$(basename $d) "size=$(cat $d/size) target_node=$(cat $d/target_node) driver=${drv:-none}"
  done
  dmesg | grep 'Demotion targets' | sed 's/^\[[^]]*\] /lab-result: dmesg=/' || true
}

# ---- capture ---------------------------------------------------------------------------------
T=/tmp/tree
CPERR=/tmp/cp-errors.txt

_cp_tree() {   # _cp_tree SRC: recursive copy, symlinks kept as symlinks
  [ -e "$1" ] || return 0
  [ -e "$T$1" ] && return 0
  mkdir -p "$T$(dirname "$1")"
  echo "$1" >> /tmp/capture-roots.txt
  cp -a "$1" "$T$(dirname "$1")/" 2>>$CPERR || true
}
_cp_shallow() {   # _cp_shallow DIR: the files and links of DIR, not its subfolders nor PCI BARs/ROMs
  [ -d "$1" ] || return 0
  mkdir -p "$T$1"
  find "$1" -mindepth 1 -maxdepth 1 ! -type d > /tmp/shallow.lst
  while read -r f; do
    case "${f##*/}" in
      resource[0-9]*|rom) echo "$f" >> /tmp/skipped.txt; continue ;;
    esac
    [ -e "$T$f" ] || [ -L "$T$f" ] || cp -a "$f" "$T$f" 2>>$CPERR || true
  done < /tmp/shallow.lst
}
# _cp_device DEV: DEV's folder recursively, and the files of each folder above it (PCI parents).
_cp_device() {
  d=$(readlink -f "$1")
  case "$d" in /sys/devices/*) ;; *) return 0 ;; esac
  # already inside a captured folder?
  p=$d; while [ "$p" != /sys/devices ]; do [ -d "$T$p" ] && grep -qx "$p" /tmp/capture-roots.txt && return 0; p=$(dirname "$p"); done
  case "$d" in
    /sys/devices/pci*) # never copy a PCI function recursively (BARs, config); CXL memdevs are children
      ;;
  esac
  _cp_tree "$d"
  p=$(dirname "$d")
  while [ "$p" != /sys/devices ] && [ "$p" != / ]; do _cp_shallow "$p"; p=$(dirname "$p"); done
}

capture() {
  t0=$(cut -d' ' -f1 /proc/uptime)
  rm -rf $T; mkdir -p $T/meta $T/proc/self
  : > /tmp/capture-roots.txt; : > /tmp/skipped.txt; : > $CPERR
  for r in /sys/devices/system/node /sys/devices/system/cpu /sys/devices/system/memory \
           /sys/devices/virtual/memory_tiering /sys/bus/cxl /sys/bus/dax /sys/bus/nd /sys/kernel/mm/hugepages \
           /sys/kernel/mm/mempolicy; do
    _cp_tree $r
  done
  for tb in CEDT HMAT SRAT SLIT NFIT; do _cp_tree /sys/firmware/acpi/tables/$tb; done
  # DMI (hwloc reads it), files only
  _cp_shallow /sys/devices/virtual/dmi/id
  mkdir -p $T/sys/class/dmi && ln -s ../../devices/virtual/dmi/id $T/sys/class/dmi/id
  # The device folders that the bus links point to (CXL ports/decoders/regions, memdevs, dax, nd).
  for l in /sys/bus/cxl/devices/* /sys/bus/dax/devices/* /sys/bus/nd/devices/*; do
    [ -L "$l" ] && readlink -f "$l"
  done | awk '{print length($0), $0}' | sort -n | cut -d' ' -f2- > /tmp/devs.lst
  while read -r d; do _cp_device "$d"; done < /tmp/devs.lst
  for f in cpuinfo meminfo iomem cmdline mounts zoneinfo vmstat buddyinfo; do cat /proc/$f > $T/proc/$f 2>>$CPERR; done
  cat /proc/self/status > $T/proc/self/status
  cat /proc/self/cgroup > $T/proc/self/cgroup 2>/dev/null
  cat /proc/self/cpuset > $T/proc/self/cpuset 2>/dev/null
  # Unreadable: files in the captured folders that could not be copied.
  : > $T/meta/unreadable.txt
  while read -r r; do
    find "$r" ! -type d ! -type l 2>/dev/null | while read -r f; do
      [ -e "$T$f" ] || echo "$f"
    done
  done < /tmp/capture-roots.txt >> $T/meta/unreadable.txt
  # Files that opened but failed to read (EIO, ...) were copied empty: drop them, list them.
  (cd $T && find sys -type f -size 0) | while read -r f; do
    cat "/$f" > /dev/null 2>&1 || { rm -f "$T/$f"; echo "/$f"; }
  done >> $T/meta/unreadable.txt
  sort -o $T/meta/unreadable.txt $T/meta/unreadable.txt
  # Meta: what the kernel said and what the guest did.
  uname -r > $T/meta/uname-r.txt
  cat /proc/cmdline > $T/meta/cmdline.txt
  dmesg > $T/meta/dmesg.txt; cp $T/meta/dmesg.txt /tmp/dmesg.txt
  numactl -H > $T/meta/numactl-H.txt 2>&1 || true
  cp $ACTIONS $T/meta/actions.txt
  cp /tmp/capture-roots.txt $T/meta/capture-roots.txt
  { echo "# deliberately not captured"; echo "/sys/devices/pci* (except the folders above CXL/ND devices, files only)";
    echo "/sys/module, /sys/class (except dmi), /sys/kernel (except mm/hugepages and mm/mempolicy), /sys/firmware (except the ACPI tables CEDT HMAT SRAT SLIT NFIT)";
    echo "/proc/<pid> (except self/status, self/cgroup, self/cpuset)"; echo "# PCI BARs and ROMs above captured devices:";
    cat /tmp/skipped.txt; } > $T/meta/skipped.txt
  ls -l /dev/dax* /dev/pmem* 2>/dev/null > $T/meta/dev-nodes.txt || true
  daxctl list -RDu > $T/meta/daxctl-list.json 2>&1 || true
  [ -d /sys/bus/nd/devices/ndbus0 ] && ndctl list -BDRNu > $T/meta/ndctl-list.json 2>&1 || true
  cp /tmp/guest-notes.txt $T/meta/guest-notes.txt 2>/dev/null || true
  echo "capture start_uptime=$t0 end_uptime=$(cut -d' ' -f1 /proc/uptime) files=$(find $T -type f | wc -l) links=$(find $T -type l | wc -l)" > $T/meta/capture-info.txt
  cat $T/meta/capture-info.txt
  (cd $T && tar cf /tmp/tree.tar .) || fail "cannot archive the tree"
  log "tree archived at uptime $(cut -d' ' -f1 /proc/uptime) ($(wc -c < /tmp/tree.tar) bytes)"
  cp /tmp/tree.tar $LAB_OUT/tree.tar || fail "cannot write tree.tar to the share"
  log "tree copied out at uptime $(cut -d' ' -f1 /proc/uptime)"
  report
  log "report done at uptime $(cut -d' ' -f1 /proc/uptime)"
}

# ---- end of a scenario -----------------------------------------------------------------------
# finish: record the tree (fixture runs) or run the host's command in a chroot (nested runs).
finish() {
  if [ -f $LAB_OUT/lab/nested.sh ]; then nested_run; else capture; fi
}

# nested_run: the host's / (9p tag "hostroot", read-only) becomes the root of a chroot with this
# guest's proc, sys, dev and a tmpfs /tmp and /run; runs /out/lab/nested.sh there; its stdout,
# stderr and exit code go back to the host through the writable share.
nested_run() {
  report
  mkdir -p /host
  mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144 hostroot /host || fail "cannot mount the host root (9p tag hostroot)"
  mount -t proc proc /host/proc || fail "cannot mount proc in the chroot"
  mount -t sysfs sysfs /host/sys || fail "cannot mount sysfs in the chroot"
  mount -t devtmpfs devtmpfs /host/dev || fail "cannot mount /dev in the chroot"
  # A working folder under the host's /tmp (a CI clone, say) would vanish under the chroot's tmpfs /tmp:
  # keep a view of the host's /tmp aside and bind that folder back in.
  cwd=$(cat $LAB_OUT/lab/nested.cwd 2>/dev/null || echo /)
  case "$cwd" in /tmp/?*) mkdir -p /keep-tmp && mount -o bind /host/tmp /keep-tmp || fail "cannot keep the host's /tmp" ;; esac
  mount -t tmpfs -o size=512m tmpfs /host/tmp || fail "cannot mount /tmp in the chroot"
  case "$cwd" in /tmp/?*)
    mkdir -p "/host$cwd" && mount -o bind "/keep-tmp${cwd#/tmp}" "/host$cwd" || fail "cannot bind $cwd into the chroot" ;;
  esac
  mount -t tmpfs tmpfs /host/run 2>/dev/null || true
  [ -d /host/dev/pts ] || mkdir -p /host/dev/pts; mount -t devpts devpts /host/dev/pts 2>/dev/null || true
  [ -d /host/dev/shm ] || mkdir -p /host/dev/shm; mount -t tmpfs tmpfs /host/dev/shm 2>/dev/null || true
  cp $LAB_OUT/lab/nested.sh /host/tmp/.lab-nested.sh
  log "nested: running the host command in chroot /host at uptime $(cut -d' ' -f1 /proc/uptime)"
  rc=0   # (scenario scripts run with set -e: a failing command must not end the guest's script)
  chroot /host /bin/sh /tmp/.lab-nested.sh > $LAB_OUT/nested.stdout 2> $LAB_OUT/nested.stderr < /dev/null || rc=$?
  echo $rc > $LAB_OUT/nested.rc
  log "nested: command exited with $rc at uptime $(cut -d' ' -f1 /proc/uptime)"
  # Unmounting is best effort (set -e is on: a mount that never happened must not fail the run).
  case "$cwd" in /tmp/?*) umount "/host$cwd" 2>/dev/null || true ;; esac
  umount /host/dev/shm /host/dev/pts /host/run /host/tmp /host/dev /host/sys /host/proc 2>/dev/null || true
  case "$cwd" in /tmp/?*) umount /keep-tmp 2>/dev/null || true ;; esac
  umount /host 2>/dev/null || true
  return 0
}

# wait_dax_node DAX: until DAX (e.g. dax0.0) exists and its target node is online; prints the node.
wait_dax_node() {
  wait_for /sys/bus/dax/devices/$1/target_node 10 || return 1
  n=$(cat /sys/bus/dax/devices/$1/target_node)
  wait_for /sys/devices/system/node/node$n 10 || return 1
  log "$1 is online as node$n"
}

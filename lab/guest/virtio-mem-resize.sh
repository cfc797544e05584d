# Guest side of the virtio-mem resize check (lab/run argv --guest): reports every node at boot (before virtio_mem
# loads), then waits for the host to grow the device (hostmem resize) and reports again with the node the memory
# went to and its tier, then waits for the host to shrink it back and reports a third time. Stages are told apart by
# the guest's memory blocks (/sys/devices/system/memory/memoryN, one per hot-added block): the host drives the sizes
# and the guest only watches, so no signal passes between them.
blocks() { ls -d /sys/devices/system/memory/memory[0-9]* | wc -l; }
stage() { report | sed "s/^lab-result: /lab-result: $1./"; result "$1.blocks" "$(blocks)"; }
stage boot
base=$(blocks)
loadmod virtio_mem || fail "cannot load virtio_mem"
dmesg | sed -n 's/.*virtio_mem \(virtio[0-9]*\): nid: \(.*\)/lab-result: virtio_mem.\1.nid=\2/p'
# Up to 100 s for the host to grow the device, then a second for the last blocks to go online.
i=0; while [ "$(blocks)" -le "$base" ]; do i=$((i+1)); [ $i -gt 1000 ] && fail "no memory was hot-added"; sleep 0.1; done
sleep 1
stage grown
i=0; while [ "$(blocks)" -gt "$base" ]; do i=$((i+1)); [ $i -gt 1000 ] && fail "the hot-added memory never went away"; sleep 0.1; done
stage shrunk

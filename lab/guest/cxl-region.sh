# Guest script for `lab/run argv --guest lab/guest/cxl-region.sh`: load the CXL drivers and kmem, create, commit and bind
# a RAM region over mem0 (the whole device: dpa size = the memdev's ram size), wait for kmem to online it, then report the
# region's access0/access1 beside the usual per-node lines.
set -e
cxl_load kmem
cxl_wait_memdevs 1
cxl_ram_region mem0 "$(cat $CXLDEV/mem0/ram/size)"
wait_dax_node dax0.0
for a in access0 access1; do
  r=$CXLDEV/$REGION/$a
  [ -d $r ] && result region.$a "rl=$(cat $r/read_latency) wl=$(cat $r/write_latency) rb=$(cat $r/read_bandwidth) wb=$(cat $r/write_bandwidth)"
done
result region.node "$(cat /sys/bus/dax/devices/dax0.0/target_node)"
report

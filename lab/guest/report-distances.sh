# Guest side of the planned-guest checks (lab/run argv --guest): the usual report, and each node's SLIT row as the guest
# kernel read it (/sys/devices/system/node/nodeN/distance: the distances to node0, node1, ... in order).
report
for n in /sys/devices/system/node/node[0-9]*; do
  result ${n##*/}.distance "$(cat $n/distance)"
done

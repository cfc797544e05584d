#!/bin/sh
# Runs inside the lab's nested CXL host (node1 = 256 MiB CXL RAM, kmem-onlined, no CPUs):
#   lab/run nested -- tests/Hostmem.Tests/Status/data/capture-nested.sh > nested.out
# The host root is read-only there, so the captures travel back on stdout as a base64 tar between markers:
#   sed -n '/^capture-tar-begin$/,/^capture-tar-end$/p' nested.out | sed '1d;$d' | base64 -d | tar -xzf - -C tests/Hostmem.Tests/Status/data
here=$(cd "$(dirname "$0")" && pwd)
out=/tmp/status-captures
mkdir -p $out
q="qemu-system-x86_64 -S -accel tcg -display none -nodefaults -m 32M"
# bind, interleave and preferred across a DRAM and a CXL node
$here/capture.py $out nested-policies -- $q \
  -object memory-backend-ram,id=cxl,size=64M,host-nodes=1,policy=bind,prealloc=on \
  -object memory-backend-ram,id=both,size=32M,host-nodes=0-1,policy=interleave,prealloc=on \
  -object memory-backend-ram,id=pref,size=16M,host-nodes=1,policy=preferred,prealloc=on
# hugetlb pages on the CXL node: a hugetlb memfd and a file on hugetlbfs
echo 48 > /sys/devices/system/node/node1/hugepages/hugepages-2048kB/nr_hugepages
echo "node1 2 MiB huge pages: $(cat /sys/devices/system/node/node1/hugepages/hugepages-2048kB/nr_hugepages)"
mkdir -p /tmp/huge && mount -t hugetlbfs -o pagesize=2M none /tmp/huge
$here/capture.py $out nested-hugetlb -- $q \
  -object memory-backend-memfd,id=hugefd,size=64M,hugetlb=on,hugetlbsize=2M,host-nodes=1,policy=bind,prealloc=on \
  -object memory-backend-file,id=hugefile,mem-path=/tmp/huge,size=16M,host-nodes=1,policy=bind,prealloc=on
echo capture-tar-begin
tar -czf - -C $out . | base64
echo capture-tar-end

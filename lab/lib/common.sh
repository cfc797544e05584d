# Shared by lab/run, lab/mkinitramfs, lab/qemu72. Sourced, not executed.
LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REPO_DIR=$(cd "$LAB_DIR/.." && pwd)
LAB_WORK=${LAB_WORK:-$LAB_DIR/work}
mkdir -p "$LAB_WORK"

lab_die() { echo "lab: FAIL: $*" >&2; exit 1; }
lab_log() { echo "lab: $*" >&2; }

# The newest 6.12 kernel installed in /boot (the lab's guest kernel), or nothing.
lab_kernel_version() {
  local k
  k=$(ls -1 /boot/vmlinuz-6.12.* 2>/dev/null | sort -V | tail -1)
  [ -n "$k" ] && echo "${k#/boot/vmlinuz-}"
}

# QEMU 10 (from backports) or nothing.
lab_qemu() {
  local q=${LAB_QEMU:-$(command -v qemu-system-x86_64 || true)}
  [ -n "$q" ] && "$q" --version 2>/dev/null | grep -qE 'version (9\.[2-9]|1[0-9])\.' && echo "$q"
}

# Shell-quotes each argument for a POSIX sh (busybox ash in the guest, dash in the chroot).
sh_quote() {
  local a out=""
  for a in "$@"; do
    if [[ -n "$a" && "$a" =~ ^[A-Za-z0-9_./:=,+@%-]+$ ]]; then out+="$a "; else out+="'${a//\'/\'\\\'\'}' "; fi
  done
  printf '%s' "${out% }"
}

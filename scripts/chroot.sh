#!/usr/bin/env bash
# What the scripts that run commands in a chroot share (check-arches.sh,
# check-first-contact.sh): the mounts a chroot needs, kept in a list so that
# they can all be undone when the script ends. Sourced, not run.
#
# mount_root ROOT    mounts proc, sys, dev and dev/pts in ROOT, those not
#                    mounted yet
# mount_bind FROM TO mounts directory FROM on TO (both made if missing)
# unmount_all        undoes every mount made, the last first

mounted=()

mount_root() {
    local root=$1 dir
    for dir in proc sys dev dev/pts; do
        mountpoint -q "$root/$dir" && continue
        case $dir in
            proc) mount -t proc proc "$root/proc" ;;
            sys) mount -t sysfs sys "$root/sys" ;;
            dev) mount --bind /dev "$root/dev" ;;
            dev/pts) mount -t devpts devpts "$root/dev/pts" ;;
        esac
        mounted=("$root/$dir" "${mounted[@]}")
    done
}

mount_bind() {
    mkdir -p "$1" "$2"
    mount --bind "$1" "$2"
    mounted=("$2" "${mounted[@]}")
}

unmount_all() {
    local dir
    for dir in "${mounted[@]}"; do umount -l "$dir" 2>/dev/null || true; done
    mounted=()
}

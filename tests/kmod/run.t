#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/kmod/run.t - run the ogx.ko tests inside each Debian 12 kernel.
#
# For every kernel (OGX_KMOD_KDIRS: header directories, 6.1 then 6.12) this
# builds a busybox initramfs holding the virtio/9p modules of that kernel
# (decompressed: busybox insmod reads no .ko.xz), boots it under
# qemu-system-x86_64 -accel tcg with the host root read-only over 9p and a
# swtpm TPM 2.0, insmods build/kmod/<release>/ogx.ko with pcr=23 and runs
# build/tests/kmod/ogx_test chrooted into the host root. The guest speaks on
# the serial console; this script relays the harness's TAP, renumbered and
# prefixed with the kernel release, and adds one result per kernel for the
# boot and one for dmesg (WARNING:, BUG:, Oops), which the tests also check
# after each test. With OGX_KMOD_BENCH=1 it runs the benchmark instead and
# writes its JSON to $OGX_BUILD/bench/kmod_extend-<release>.json.
set -u
# relay, the last command of a pipeline, runs in this shell and counts.
shopt -s lastpipe
# modprobe (for --show-depends) lives in /usr/sbin, not in a user's PATH.
PATH=$PATH:/usr/sbin:/sbin

src=${OGX_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${OGX_BUILD:-$src/build}
kdirs=${OGX_KMOD_KDIRS:?OGX_KMOD_KDIRS names the kernel header directories}
bench=${OGX_KMOD_BENCH:-0}
pcr=23
# Per boot: the whole suite of one kernel, 4-6 minutes under TCG on a loaded
# 2-vCPU host (quote_test.sh's TPM commands and processes add about one).
timeout_s=${OGX_KMOD_TIMEOUT:-600}
# TCG marks the TSC unstable and falls back to the HPET, whose every read is
# an emulated MMIO access; a node runs on the TSC, and so do the tests.
kcmdline="tsc=reliable clocksource=tsc"

n=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $*"; }

# Prints the .ko paths of the modules needed to mount 9p over virtio, in
# load order, for kernel release $1 (builtins are skipped).
boot_modules() {
	local m
	for m in virtio_pci 9pnet_virtio 9p; do
		modprobe -S "$1" --show-depends "$m" 2>/dev/null |
			awk '$1 == "insmod" { print $2 }'
	done | awk '!seen[$0]++'
}

# Builds the initramfs for release $1 with environment file $2 into $3.
make_initramfs() {
	local rel=$1 envfile=$2 out=$3 root ko name
	root=$(mktemp -d)
	mkdir -p "$root/bin" "$root/lib/boot" "$root/proc" "$root/sys" \
		"$root/dev" "$root/host"
	cp /bin/busybox "$root/bin/busybox"
	ln -s busybox "$root/bin/sh"
	: >"$root/lib/boot/order"
	for ko in $(boot_modules "$rel"); do
		name=$(basename "${ko%.xz}")
		case "$ko" in
		*.xz) xz -dc "$ko" >"$root/lib/boot/$name" ;;
		*) cp "$ko" "$root/lib/boot/$name" ;;
		esac
		echo "$name" >>"$root/lib/boot/order"
	done
	cp "$envfile" "$root/ogx.env"
	cp "$src/tests/kmod/guest-init" "$root/init"
	chmod 0755 "$root/init"
	(cd "$root" && find . | cpio -o -H newc --quiet) | gzip -1 >"$out"
	rm -rf "$root"
}

# Manufactures the swtpm of state $1: EK and its certificate (NV 0x01c00002)
# from a local CA kept in $build/kmod-ca, where the guest finds it
# (tests/kmod/quote_test.sh; the guest sees the host root, not its /tmp).
tpm_manufacture() {
	local dir=$1 ca=$build/kmod-ca
	mkdir -p "$ca"
	cat >"$ca/localca.conf" <<-CONF
	statedir = $ca
	signingkey = $ca/signkey.pem
	issuercert = $ca/issuercert.pem
	certserial = $ca/certserial
	CONF
	cat >"$ca/setup.conf" <<-CONF
	create_certs_tool = /usr/bin/swtpm_localca
	create_certs_tool_config = $ca/localca.conf
	create_certs_tool_options = /etc/swtpm-localca.options
	active_pcr_banks = sha256
	CONF
	swtpm_setup --tpm2 --tpmstate "$dir" --create-ek-cert --config "$ca/setup.conf" \
		--overwrite >"$dir/swtpm_setup.log" 2>&1 &&
		cat "$ca/swtpm-localca-rootca-cert.pem" "$ca/issuercert.pem" >"$ca/ca.pem"
}

# Boots release $1 from the initramfs in $2; serial output on stdout.
boot() {
	local rel=$1 dir=$2 rc
	tpm_manufacture "$dir" || { sed 's/^/# swtpm_setup: /' "$dir/swtpm_setup.log" >&2; return 1; }
	swtpm socket --tpm2 --tpmstate dir="$dir" \
		--ctrl type=unixio,path="$dir/swtpm.sock" \
		--log file="$dir/swtpm.log" --terminate &
	local swtpm_pid=$!
	for _ in $(seq 50); do
		[ -S "$dir/swtpm.sock" ] && break
		sleep 0.1
	done
	timeout "$timeout_s" qemu-system-x86_64 -accel tcg -cpu max -smp 2 -m 1024 \
		-display none -monitor none -serial stdio -no-reboot \
		-kernel "/boot/vmlinuz-$rel" -initrd "$dir/initramfs.cpio.gz" \
		-append "console=ttyS0 loglevel=1 panic=-1 rdinit=/init $kcmdline" \
		-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
		-chardev socket,id=chrtpm,path="$dir/swtpm.sock" \
		-tpmdev emulator,id=tpm0,chardev=chrtpm -device tpm-tis,tpmdev=tpm0 \
		</dev/null 2>"$dir/qemu.err"
	rc=$?
	kill "$swtpm_pid" 2>/dev/null
	wait "$swtpm_pid" 2>/dev/null
	return $rc
}

# Reads the serial console of one boot of release $1 and prints TAP.
relay() {
	local rel=$1 line in_tap=0 plan=0 seen=0 begun=0 ended=0 rc=-1
	local dmesg_done=0 desc
	while IFS= read -r line; do
		line=${line%$'\r'}
		case "$line" in
		OGX-BEGIN*)
			in_tap=1 begun=1 plan=0 seen=0 ;;
		OGX-END*)
			in_tap=0 ended=1 rc=${line#OGX-END }
			if [ "$bench" = 1 ]; then
				if [ "$rc" = 0 ]; then ok "$rel: benchmark ran"
				else not_ok "$rel: benchmark exited $rc"; fi
			elif [ "$seen" -ne "$plan" ] || [ "$plan" -eq 0 ]; then
				not_ok "$rel: $seen of $plan planned tests reported"
			elif [ "$rc" != 0 ]; then
				not_ok "$rel: test binary exited $rc"
			fi ;;
		OGX-DMESG-OK)
			dmesg_done=1
			ok "$rel: dmesg has no WARNING:, BUG: or Oops" ;;
		OGX-DMESG-BAD)
			dmesg_done=1
			not_ok "$rel: dmesg has WARNING:, BUG: or Oops" ;;
		OGX-JSON\ *)
			mkdir -p "$build/bench"
			echo "${line#OGX-JSON }" >"$build/bench/kmod_extend-$rel.json" ;;
		OGX:\ *)
			echo "# $rel: ${line#OGX: }" ;;
		1..*)
			[ $in_tap = 1 ] && plan=${line#1..} ;;
		"ok "* | "not ok "*)
			if [ $in_tap = 1 ]; then
				seen=$((seen + 1))
				desc=$(echo "$line" | sed -E 's/^(not )?ok [0-9]+ ?-? ?//')
				case "$line" in
				ok*) ok "$rel: $desc" ;;
				*) not_ok "$rel: $desc" ;;
				esac
			else
				echo "# $rel: $line"
			fi ;;
		*)
			echo "# $rel: $line" ;;
		esac
	done
	relay_failed=0
	if [ $begun != 1 ] || [ $ended != 1 ]; then
		not_ok "$rel: guest booted and ran the tests"
		relay_failed=1
	fi
	if [ $dmesg_done != 1 ]; then
		not_ok "$rel: guest reported dmesg"
		relay_failed=1
	fi
}

for kdir in $kdirs; do
	rel=${kdir##*/linux-headers-}
	ko=$src/build/kmod/$rel/ogx.ko
	if [ ! -f "/boot/vmlinuz-$rel" ] || [ ! -f "$ko" ]; then
		not_ok "$rel: /boot/vmlinuz-$rel and $ko exist"
		continue
	fi
	dir=$(mktemp -d "${TMPDIR:-/tmp}/ogx-kmod.XXXXXX")
	progs=""
	if [ "$bench" = 1 ]; then
		progs=$build/tests/kmod/extend_bench
	else
		# C tests are built; shell tests (*.sh) run from the source tree.
		for t in ${OGX_KMOD_TESTS:-ogx_test extend_vec_test stress_test tee_test.sh serve_tee_test.sh quote_test.sh uring_nonblock_test module_test}; do
			case "$t" in
			*.sh) progs="$progs $src/tests/kmod/$t" ;;
			*) progs="$progs $build/tests/kmod/$t" ;;
			esac
		done
	fi
	cat >"$dir/ogx.env" <<-EOF
		OGX_KO=$ko
		OGX_PCR=$pcr
		OGX_PROGS="$progs"
		OGX_RELEASE=$rel
		OGX_BUILD=$build
		OGX_MODELS=${OGX_MODELS:-$src/../shared/models}
	EOF
	make_initramfs "$rel" "$dir/ogx.env" "$dir/initramfs.cpio.gz"
	boot "$rel" "$dir" | tee "$dir/console.log" | relay "$rel"
	rc=${PIPESTATUS[0]}
	if [ "$rc" -ne 0 ]; then
		not_ok "$rel: qemu exited cleanly (status $rc)"
		sed 's/^/# qemu: /' "$dir/qemu.err"
	fi
	# prove shows a test's stderr, not its comments: when a guest gave no
	# result, the end of its console is what tells why (CI keeps nothing else).
	if [ "$relay_failed" = 1 ] || [ "$rc" -ne 0 ]; then
		echo "# $rel: last 60 lines of the guest console:" >&2
		tail -n 60 "$dir/console.log" | sed "s/^/# $rel console: /" >&2
		sed "s/^/# $rel qemu: /" "$dir/qemu.err" >&2
	fi
	rm -rf "$dir"
done
echo "1..$n"

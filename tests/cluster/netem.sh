#!/usr/bin/env bash
# A fault test outside CI (needs root, network namespaces and the kernel's netem qdisc):
# three processes of tests/cluster/cluster_flows in three network namespaces, each joined to
# a bridge by a veth link whose sending side delays every packet by 20 ms and drops 1 % of
# them; the cluster's output must equal one process's.
#
#   tests/cluster/netem.sh [BUILD_DIR] [FLOW...]     (defaults: build/release, all four flows)
#
# Where the kernel has no netem qdisc, the 1 % loss is made by nftables instead (a rule
# dropping one packet in a hundred at random on each namespace's output; Debian package
# nftables) and there is no delay; NETEM=0 runs with neither.
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build/release}
shift || true
flows=("$@")
[ ${#flows[@]} -gt 0 ] || flows=(wordcount fold window join)
bin=$build/tests/cluster_flows
[ -x "$bin" ] || { echo "netem.sh: build $bin first" >&2; exit 2; }

ns=(weir-net0 weir-net1 weir-net2)
bridge_ns=weir-netbr
work=$(mktemp -d /tmp/weir-netem-XXXXXX)
cleanup() {
  for n in "${ns[@]}" "$bridge_ns"; do ip netns del "$n" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

impairment="no delay or loss"
ip netns add "$bridge_ns"
ip -n "$bridge_ns" link add br0 type bridge
ip -n "$bridge_ns" link set br0 up
for i in 0 1 2; do
  ip netns add "${ns[$i]}"
  ip link add "v$i" netns "${ns[$i]}" type veth peer name "b$i" netns "$bridge_ns"
  ip -n "$bridge_ns" link set "b$i" master br0 up
  ip -n "${ns[$i]}" addr add "10.213.0.$((i + 1))/24" dev "v$i"
  ip -n "${ns[$i]}" link set "v$i" up
  ip -n "${ns[$i]}" link set lo up
  if [ "${NETEM:-1}" != 0 ]; then
    if tc -n "${ns[$i]}" qdisc add dev "v$i" root netem delay 20ms loss 1% 2>/dev/null; then
      impairment="20 ms delay and 1 % loss (netem)"
    elif command -v nft >/dev/null; then
      ip netns exec "${ns[$i]}" nft add table inet weir
      ip netns exec "${ns[$i]}" nft add chain inet weir out '{ type filter hook output priority 0; }'
      ip netns exec "${ns[$i]}" nft add rule inet weir out numgen random mod 100 0 counter drop
      impairment="1 % loss (nftables; this kernel has no netem, so no delay)"
    else
      echo "netem.sh: this kernel has no netem qdisc and nft is missing; NETEM=0 runs without loss" >&2
      exit 2
    fi
  fi
done
printf '10.213.0.1:7100\n10.213.0.2:7100\n10.213.0.3:7100\n' >"$work/addresses"

status=0
for flow in "${flows[@]}"; do
  mkdir -p "$work/$flow-one" "$work/$flow-three"
  "$bin" "$flow" "$work/$flow-one" -s 0.05
  start=$(date +%s.%N)
  pids=()
  for i in 0 1 2; do
    ip netns exec "${ns[$i]}" "$bin" "$flow" "$work/$flow-three" -s 0.05 -w 2 \
      -i "$i" -a "$work/addresses" >"$work/$flow-log$i" 2>&1 &
    pids+=($!)
  done
  failed=0
  for p in "${pids[@]}"; do wait "$p" || failed=1; done
  seconds=$(echo "$(date +%s.%N) - $start" | bc)
  if [ $failed != 0 ]; then
    echo "$flow: a process failed:"; cat "$work/$flow-log"*; status=1; continue
  fi
  one=$(cat "$work/$flow-one"/* | sort | sha256sum)
  three=$(cat "$work/$flow-three"/* | sort | sha256sum)
  lines=$(cat "$work/$flow-one"/* | wc -l)
  if [ "$one" = "$three" ]; then
    echo "$flow: 3 processes x 2 workers, $impairment: the same $lines lines as one process (${seconds}s)"
  else
    echo "$flow: outputs differ"; status=1
  fi
done
if [[ $impairment == *nftables* ]]; then
  for n in "${ns[@]}"; do
    dropped=$(ip netns exec "$n" nft list chain inet weir out | grep -o 'packets [0-9]*' | cut -d' ' -f2)
    echo "$n: $dropped packets dropped"
  done
fi
exit $status

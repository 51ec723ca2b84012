# shellcheck shell=bash
# shellcheck disable=SC2034  # constants are used by the scripts that source this file
# Shared functions for the Container Network Debugger lab (test/lab/up, down, scale).
# Sourced, never executed. Every Docker object the lab owns carries the label
# containernet.lab (=1 for the scenario objects, =bench for `scale` containers);
# objects without that label are never touched.

# ---------------------------------------------------------------- constants
LAB_LABEL_KEY="containernet.lab"
LAB_LABEL="${LAB_LABEL_KEY}=1"
LAB_BENCH_LABEL="${LAB_LABEL_KEY}=bench"
LAB_IMAGE="containernet-lab/busybox:1"
LAB_DOCKERD_LOG="/var/log/containernet-dockerd.log"
LAB_DOCKERD_MARKER="/run/containernet-lab-dockerd.pid"
# Which Docker engine the lab runs on: 20 (Debian 12's docker.io 20.10, installed as a
# package) or 28 (docker.io 28.5 from Debian's unstable suite, unpacked into .cache/docker28,
# never installed over the system's packages; its own data root). LAB_ENGINE=28 test/lab/up.
LAB_ENGINE="${LAB_ENGINE:-20}"
LAB_REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
LAB_ENGINE28_DIR="$LAB_REPO/.cache/docker28"
LAB_ENGINE28_DATA="/var/lib/containernet-docker28"
LAB_USER="cndlab"
LAB_USER_GECOS="containernet lab user (test/lab)"
LAB_PACKAGES=(docker.io iptables iproute2 conntrack tcpdump busybox-static sudo nftables ethtool)

# Networks: name subnet (gateway is .1 of each subnet)
LAB_NET="lab-net";           LAB_NET_SUBNET="172.30.1.0/24"
LAB_OTHER="lab-other";       LAB_OTHER_SUBNET="172.30.2.0/24"
LAB_INTERNAL="lab-internal"; LAB_INTERNAL_SUBNET="172.30.3.0/24"
LAB_OVERLAY="lab-overlay";   LAB_OVERLAY_SUBNET="10.30.9.0/24"
# docker_gwbridge is pre-created (labelled, fixed subnet) only when the lab itself
# initialises the swarm, so that `down` can remove it again.
LAB_GWBRIDGE="docker_gwbridge"; LAB_GWBRIDGE_SUBNET="172.30.250.0/24"

# What current engines add: ICC off, IPv6 with a published port (ip6tables DNAT from 27 on,
# docker-proxy alone on 20.10), and on 28+ the gateway modes routed and nat-unprotected.
LAB_NOICC="lab-noicc";       LAB_NOICC_SUBNET="172.30.4.0/24"
LAB_V6="lab-v6";             LAB_V6_SUBNET="172.30.6.0/24"; LAB_V6_SUBNET6="fd00:30:6::/64"
LAB_ROUTED="lab-routed";     LAB_ROUTED_SUBNET="172.30.7.0/24"
LAB_UNPROT="lab-unprot";     LAB_UNPROT_SUBNET="172.30.8.0/24"

LAB_NETWORKS=("$LAB_NET" "$LAB_OTHER" "$LAB_INTERNAL" "$LAB_OVERLAY" "$LAB_NOICC" "$LAB_V6")
LAB_CONTAINERS=(api web1 web2 web3 client legacy lone vault dual hostnet nonet sidecar ov1 ov2 icc1 icc2 v6web)
if ((LAB_ENGINE >= 28)); then
  LAB_NETWORKS+=("$LAB_ROUTED" "$LAB_UNPROT")
  LAB_CONTAINERS+=(routed1 unprot1)
fi

LAB_API_PORT=8080
LAB_LEGACY_PORT=8081
LAB_LOOPBACK_PORT=8082 # web1, published on 127.0.0.1 only
LAB_V6_PORT=8086
LAB_ROUTED_PORT=8087
LAB_UNPROT_PORT=8088

# Upper bound for `scale N` (lab-net is a /24 holding the scenario containers too).
LAB_BENCH_MAX=200
LAB_BENCH_BATCH=8

# Every container with its own network stack gets --dns 127.0.0.1: Docker's embedded
# DNS (127.0.0.11) still answers container names, but a lookup of an unknown name is
# forwarded to 127.0.0.1 inside the container (nothing listens there) instead of the
# host's resolver, so the lab never sends DNS traffic off the machine.
LAB_DNS_OPTS=(--dns 127.0.0.1)

# ---------------------------------------------------------------- messages
lab_ts() { date +%H:%M:%S; }
info() { printf '[lab %s] %s\n' "$(lab_ts)" "$*"; }
ok()   { printf '[lab %s] OK   %s\n' "$(lab_ts)" "$*"; }
warn() { printf '[lab %s] WARN %s\n' "$(lab_ts)" "$*" >&2; }
die()  { printf '[lab %s] FAIL %s\n' "$(lab_ts)" "$*" >&2; exit 1; }

require_root() {
  [[ ${EUID:-$(id -u)} -eq 0 ]] || die "run as root (this script installs packages, starts dockerd, uses nsenter)"
}

# ---------------------------------------------------------------- docker CLI
# Which docker CLI to use. Override with DOCKER=/path/to/docker.
# Default: /usr/bin/docker (the distribution CLI that matches the distribution
# dockerd); a newer CLI earlier on PATH (e.g. /usr/local/bin/docker 28.x) also works
# against dockerd 20.10 by negotiating API 1.41, but the matching one is the safe pick.
pick_docker() {
  if [[ -n ${DOCKER:-} ]]; then
    [[ -x $DOCKER ]] || DOCKER="$(command -v "$DOCKER" || true)"
    [[ -n $DOCKER && -x $DOCKER ]] || die "DOCKER is set but not an executable: ${DOCKER:-<empty>}"
  elif [[ -x /usr/bin/docker ]]; then
    DOCKER=/usr/bin/docker
  else
    DOCKER="$(command -v docker || true)"
  fi
  [[ -n $DOCKER ]] || return 1
  export DOCKER
}

dk() { "$DOCKER" "$@"; }

docker_reachable() { dk info >/dev/null 2>&1; }

# ---------------------------------------------------------------- packages
pkg_installed() {
  local status
  status="$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)"
  [[ $status == "install ok installed" ]]
}

ensure_packages() {
  local missing=() p
  for p in "${LAB_PACKAGES[@]}"; do
    # A machine with another Docker engine (e.g. docker-ce) keeps it: docker.io would conflict.
    if [[ $p == docker.io ]] && command -v dockerd >/dev/null 2>&1 && \
       { [[ -x /usr/bin/docker ]] || command -v docker >/dev/null 2>&1; }; then
      continue
    fi
    pkg_installed "$p" || missing+=("$p")
  done
  if ((${#missing[@]} == 0)); then
    ok "packages present: ${LAB_PACKAGES[*]}"
    return 0
  fi
  info "installing missing packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || die "apt-get update failed"
  apt-get install -y -qq --no-install-recommends "${missing[@]}" || die "apt-get install ${missing[*]} failed"
  ok "installed: ${missing[*]}"
}

# ---------------------------------------------------------------- dockerd
# The major version of the engine that answers (20, 28, ...), empty when none does.
engine_major() {
  local v
  v="$(dk version --format '{{.Server.Version}}' 2>/dev/null)" || return 0
  echo "${v%%.*}"
}

# The Debian mirror this machine's apt uses (deb822 or one-line sources).
debian_mirror() {
  local m=''
  if [[ -f /etc/apt/sources.list.d/debian.sources ]]; then
    m="$(awk '/^URIs:/ && $2 !~ /security/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources)"
  fi
  if [[ -z $m && -f /etc/apt/sources.list ]]; then
    m="$(awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) { print $i; exit } }' /etc/apt/sources.list)"
  fi
  [[ -n $m ]] && echo "$m"
}

# Docker 28 from Debian's unstable suite: docker.io and containerd fetched with apt-get
# download against a sources list of the lab's own, unpacked with dpkg -x. Cached.
fetch_engine28() {
  local d="$LAB_ENGINE28_DIR" root="$LAB_ENGINE28_DIR/root" v
  if [[ -x $root/usr/sbin/dockerd && -x $root/usr/bin/containerd ]]; then
    v="$("$root/usr/sbin/dockerd" --version 2>/dev/null || true)"
    ok "Docker 28 engine cached in $root ($v)"
    return 0
  fi
  local mirror
  mirror="$(debian_mirror)" || true
  [[ -n $mirror ]] || die "cannot tell this machine's Debian mirror (no URIs in /etc/apt/sources.list.d/debian.sources or /etc/apt/sources.list)"
  info "fetching docker.io and containerd from Debian's unstable suite into $d (not installed)"
  rm -rf -- "$d"
  mkdir -p "$d/lists/partial" "$d/cache/archives/partial" "$d/debs"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror sid main" >"$d/sources.list"
  local apt=(apt-get -qq -o Dir::Etc::sourcelist="$d/sources.list" -o Dir::Etc::sourceparts=-
    -o Dir::State::Lists="$d/lists" -o Dir::Cache="$d/cache" -o APT::Get::List-Cleanup=0 -o APT::Sandbox::User=root)
  "${apt[@]}" update || die "apt-get update against the unstable suite failed"
  (cd "$d/debs" && "${apt[@]}" download docker.io containerd) || die "apt-get download docker.io containerd (unstable) failed"
  local f
  mkdir -p "$root.tmp"
  for f in "$d"/debs/*.deb; do dpkg -x "$f" "$root.tmp" || die "dpkg -x $f failed"; done
  mv "$root.tmp" "$root"
  v="$("$root/usr/sbin/dockerd" --version 2>/dev/null || true)"
  [[ $v == "Docker version 28."* ]] || die "unstable's docker.io is no longer 28 ($v): the lab's second engine is Docker 28; update fetch_engine28"
  ok "Docker 28 engine unpacked: $v"
}

# Starts the engine LAB_ENGINE names, detached (own session, reparented to init), logging to
# LAB_DOCKERD_LOG, and records its pid and engine in LAB_DOCKERD_MARKER ("PID ENGINE").
start_lab_dockerd() {
  local pid i
  case "$LAB_ENGINE" in
    20)
      command -v dockerd >/dev/null 2>&1 || die "dockerd not found (package docker.io)"
      ( setsid dockerd >"$LAB_DOCKERD_LOG" 2>&1 </dev/null & )
      ;;
    28)
      fetch_engine28
      local root="$LAB_ENGINE28_DIR/root"
      # Its own containerd, shim and docker-proxy first on PATH; the system's runc (unstable's
      # needs a newer glibc) and docker-init (tini) after them.
      ( PATH="$root/usr/sbin:$root/usr/bin:$PATH" setsid "$root/usr/sbin/dockerd" --data-root "$LAB_ENGINE28_DATA" \
          >"$LAB_DOCKERD_LOG" 2>&1 </dev/null & )
      ;;
    *) die "LAB_ENGINE must be 20 or 28 (got '$LAB_ENGINE')" ;;
  esac
  for ((i = 0; i < 60; i++)); do
    if docker_reachable; then
      pid="$(cat /var/run/docker.pid 2>/dev/null || true)"
      echo "$pid $LAB_ENGINE" >"$LAB_DOCKERD_MARKER"
      ok "dockerd $LAB_ENGINE up after ~${i}s (pid ${pid:-?}, log: $LAB_DOCKERD_LOG)"
      return 0
    fi
    sleep 1
  done
  warn "dockerd did not answer within 60 s; last lines of $LAB_DOCKERD_LOG:"
  tail -n 30 "$LAB_DOCKERD_LOG" >&2 2>/dev/null || true
  die "dockerd is not reachable"
}

# The pid of the dockerd the lab started (from LAB_DOCKERD_MARKER), if it still runs.
lab_dockerd_pid() {
  [[ -f $LAB_DOCKERD_MARKER ]] || return 1
  local pid
  pid="$(awk '{ print $1; exit }' "$LAB_DOCKERD_MARKER")"
  [[ $pid =~ ^[0-9]+$ && $(cat "/proc/$pid/comm" 2>/dev/null) == dockerd ]] || return 1
  echo "$pid"
}

# Stops the dockerd the lab started, by its pid, and waits until it and its containerd are gone.
stop_lab_dockerd() {
  local pid cpid i
  pid="$(lab_dockerd_pid)" || { warn "dockerd was not started by the lab; not stopping it"; return 1; }
  cpid="$(cat /var/run/docker/containerd/containerd.pid 2>/dev/null || true)"
  info "stopping the lab's dockerd (pid $pid)"
  kill -TERM "$pid"
  for ((i = 0; i < 120; i++)); do
    [[ -e /proc/$pid ]] || break
    sleep 0.5
  done
  [[ ! -e /proc/$pid ]] || die "dockerd (pid $pid) did not stop within 60 s"
  if [[ $cpid =~ ^[0-9]+$ && $(cat "/proc/$cpid/comm" 2>/dev/null) == containerd ]]; then
    for ((i = 0; i < 60; i++)); do
      [[ -e /proc/$cpid ]] || break
      sleep 0.5
    done
  fi
  rm -f -- "$LAB_DOCKERD_MARKER"
}

# An engine of the kind LAB_ENGINE names answers on /var/run/docker.sock: the running one
# when it is that engine; otherwise a lab-started engine of the other kind has the lab
# removed from it (so no bridge or rule of it stays behind) and is stopped first.
ensure_dockerd() {
  local major
  if docker_reachable; then
    major="$(engine_major)"
    if [[ $major == "$LAB_ENGINE" ]]; then
      ok "dockerd reachable (engine $(dk version --format '{{.Server.Version}}' 2>/dev/null || echo '?'))"
      return 0
    fi
    lab_dockerd_pid >/dev/null ||
      die "the running Docker engine is $major, LAB_ENGINE=$LAB_ENGINE asks for $LAB_ENGINE, and the lab did not start this one: stop it yourself, or run with LAB_ENGINE=$major"
    info "switching engines: $major -> $LAB_ENGINE (removing the lab from engine $major first)"
    remove_lab_containers ""
    remove_lab_networks
    leave_lab_swarm
    remove_lab_gwbridge
    stop_lab_dockerd
  elif pgrep -x dockerd >/dev/null 2>&1; then
    info "a dockerd process exists but does not answer yet; waiting for it"
    local i
    for ((i = 0; i < 60; i++)); do
      if docker_reachable; then ensure_dockerd; return; fi
      sleep 1
    done
    die "a dockerd process runs but does not answer on /var/run/docker.sock"
  fi
  info "starting dockerd (engine $LAB_ENGINE) in the background, log: $LAB_DOCKERD_LOG"
  start_lab_dockerd
}

report_versions() {
  local cli srv api
  cli="$(dk version --format '{{.Client.Version}}' 2>/dev/null || echo '?')"
  srv="$(dk version --format '{{.Server.Version}}' 2>/dev/null || echo '?')"
  api="$(dk version --format '{{.Client.APIVersion}}' 2>/dev/null || echo '?')"
  info "docker CLI $DOCKER ($cli, API $api) -> engine $srv; iptables: $(iptables --version 2>/dev/null || echo '?')"
}

# ---------------------------------------------------------------- labels / names
# Prints the lab label value of a container/network/image (empty when unlabelled).
# Returns 1 when the object does not exist.
obj_label() {
  local type="$1" name="$2"
  dk inspect --type "$type" --format "{{index .Config.Labels \"$LAB_LABEL_KEY\"}}" "$name" 2>/dev/null && return 0
  return 1
}
net_label() {
  dk network inspect --format "{{index .Labels \"$LAB_LABEL_KEY\"}}" "$1" 2>/dev/null
}
container_exists() { dk inspect --type container "$1" >/dev/null 2>&1; }
network_exists() { dk network inspect "$1" >/dev/null 2>&1; }
image_exists() { dk image inspect "$1" >/dev/null 2>&1; }

# Refuse to go on if a name the lab uses belongs to an object without the lab label.
# check_names_free NAME...  (containers)
check_names_free() {
  local -A lbl=()
  local n l bad=0
  while IFS=$'\t' read -r n l; do
    [[ -n $n ]] && lbl[$n]="$l"
  done < <(dk ps -a --format "{{.Names}}\t{{.Label \"$LAB_LABEL_KEY\"}}")
  for n in "$@"; do
    if [[ -n ${lbl[$n]+x} && -z ${lbl[$n]} ]]; then
      warn "container '$n' exists and is NOT labelled $LAB_LABEL_KEY; the lab will not touch it"
      bad=1
    fi
  done
  return "$bad"
}
# check_network_names_free NAME...
check_network_names_free() {
  local -A lbl=()
  local n l bad=0
  while IFS=$'\t' read -r n l; do
    [[ -n $n ]] && lbl[$n]="$l"
  done < <(dk network ls --format "{{.Name}}\t{{.Label \"$LAB_LABEL_KEY\"}}")
  for n in "$@"; do
    if [[ -n ${lbl[$n]+x} && -z ${lbl[$n]} ]]; then
      warn "network '$n' exists and is NOT labelled $LAB_LABEL_KEY; the lab will not touch it"
      bad=1
    fi
  done
  return "$bad"
}

# ---------------------------------------------------------------- image
build_image() {
  if image_exists "$LAB_IMAGE"; then
    local lbl
    lbl="$(dk image inspect --format "{{index .Config.Labels \"$LAB_LABEL_KEY\"}}" "$LAB_IMAGE" 2>/dev/null || true)"
    [[ $lbl == 1 ]] || die "image $LAB_IMAGE exists but is not labelled $LAB_LABEL; remove it yourself"
    ok "image $LAB_IMAGE present"
    return 0
  fi
  local bb=/bin/busybox
  [[ -x $bb ]] || bb="$(command -v busybox || true)"
  [[ -n $bb ]] || die "busybox not found (package busybox-static)"
  if ldd "$bb" >/dev/null 2>&1; then
    die "$bb is dynamically linked; the lab image needs busybox-static's /bin/busybox"
  fi
  info "building $LAB_IMAGE from $bb (docker import, no registry)"
  local root
  root="$(mktemp -d /tmp/containernet-lab-rootfs.XXXXXX)"
  mkdir -p "$root"/{bin,sbin,etc,tmp,www,proc,sys,dev,root,var/run}
  chmod 1777 "$root/tmp"
  cp "$bb" "$root/bin/busybox"
  local a
  for a in sh ip ping nslookup wget httpd nc sleep hostname cat ls ifconfig route echo mkdir \
           ps netstat grep env true false sed tail head awk arp traceroute kill timeout printf \
           id uname date; do
    ln -s busybox "$root/bin/$a"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
  printf 'hosts: files dns\n' >"$root/etc/nsswitch.conf"
  # lab-httpd: serve "<hostname>\n" on port ${1:-80}; exec so httpd is the process.
  cat >"$root/bin/lab-httpd" <<'EOF'
#!/bin/sh
mkdir -p /www
hostname > /www/index.html
exec httpd -f -p "${1:-80}" -h /www
EOF
  chmod 755 "$root/bin/lab-httpd"
  local rc=0
  tar -C "$root" --numeric-owner --owner=0 --group=0 -cf - . |
    dk import \
      --change "LABEL $LAB_LABEL" \
      --change 'ENV PATH=/bin:/sbin' \
      --change 'WORKDIR /' \
      --change 'CMD ["/bin/sh"]' \
      - "$LAB_IMAGE" >/dev/null || rc=$?
  rm -rf -- "$root"
  ((rc == 0)) || die "docker import failed"
  ok "image $LAB_IMAGE built"
}

# --init gives every container a PID 1 that forwards SIGTERM (docker stop is quick).
LAB_INIT=()
detect_init() {
  if command -v docker-init >/dev/null 2>&1 || [[ -x /usr/libexec/docker/docker-init ]]; then
    LAB_INIT=(--init)
  else
    LAB_INIT=()
    warn "docker-init not found: containers run without --init (docker stop will wait 10 s)"
  fi
}

# lab_docker_run NAME [docker run args...]: docker run -d --name NAME ..., quiet on
# success; the engine's warning about --dns 127.0.0.1 (intended, see LAB_DNS_OPTS)
# is dropped, any other message is shown.
lab_docker_run() {
  local name="$1" err
  shift
  if ! err="$(dk run -d --name "$name" "$@" 2>&1 >/dev/null)"; then
    warn "could not start container $name: $err"
    return 1
  fi
  err="$(grep -v 'Localhost DNS' <<<"$err" || true)"
  [[ -z $err ]] || warn "$name: $err"
  return 0
}

# ---------------------------------------------------------------- removal
# Remove containers labelled containernet.lab=$1, or =1 and =bench when $1 is empty.
remove_lab_containers() {
  local values=(1 bench) v filter ids=() more=()
  [[ -n ${1:-} ]] && values=("$1")
  for v in "${values[@]}"; do
    mapfile -t more < <(dk ps -aq --filter "label=$LAB_LABEL_KEY=$v")
    ids+=("${more[@]}")
  done
  filter="label $LAB_LABEL_KEY=$(IFS='|'; echo "${values[*]}")"
  if ((${#ids[@]} == 0)); then
    return 0
  fi
  info "removing ${#ids[@]} container(s) with $filter"
  # Remove in chunks (the CLI removes the arguments of one call in parallel).
  local i
  for ((i = 0; i < ${#ids[@]}; i += 50)); do
    dk rm -f -v "${ids[@]:i:50}" >/dev/null || warn "some containers could not be removed"
  done
}

# Remove lab-labelled networks (never docker_gwbridge here; see remove_lab_gwbridge).
remove_lab_networks() {
  local names=() n tries
  # dockerd releases a removed container's endpoints asynchronously; under load that has
  # been seen to take more than 10 s ("has active endpoints"), so keep trying for 30 s.
  for ((tries = 0; tries < 60; tries++)); do
    names=()
    while read -r n; do
      [[ -n $n && $n != "$LAB_GWBRIDGE" ]] && names+=("$n")
    done < <(dk network ls --filter "label=$LAB_LABEL" --format '{{.Name}}')
    ((${#names[@]} == 0)) && return 0
    ((tries == 0)) && info "removing network(s): ${names[*]}"
    dk network rm "${names[@]}" >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  local why
  why=$(dk network rm "${names[@]}" 2>&1 || true)
  # A stale endpoint (no container behind it) is left in dockerd's store after some engine
  # restarts; only a restart of the engine clears it. Do that only to a dockerd the lab started.
  if [[ $why == *"active endpoints"* ]] && restart_lab_dockerd; then
    dk network rm "${names[@]}" >/dev/null 2>&1 && return 0
    why=$(dk network rm "${names[@]}" 2>&1 || true)
  fi
  warn "could not remove network(s) ${names[*]}: $why"
}

# Restarts dockerd if (and only if) the lab started it: its pid is in LAB_DOCKERD_MARKER.
restart_lab_dockerd() {
  lab_dockerd_pid >/dev/null || { warn "dockerd was not started by the lab; not restarting it"; return 1; }
  warn "restarting the lab's dockerd to clear stale network endpoints"
  # The engine that runs now (its marker says which), not LAB_ENGINE: while switching engines
  # the old one is being cleared, and starting the new one here would leave the old one's
  # networks (and bridges holding the lab's subnets) behind.
  local running
  running="$(awk '{ print $2 }' "$LAB_DOCKERD_MARKER" 2>/dev/null || true)"
  stop_lab_dockerd
  LAB_ENGINE="${running:-$LAB_ENGINE}" start_lab_dockerd
}

remove_lab_gwbridge() {
  network_exists "$LAB_GWBRIDGE" || return 0
  [[ $(net_label "$LAB_GWBRIDGE") == 1 ]] || return 0
  if dk network rm "$LAB_GWBRIDGE" >/dev/null 2>&1; then
    info "removed network $LAB_GWBRIDGE (created by the lab)"
  else
    warn "could not remove lab-created $LAB_GWBRIDGE (still in use?)"
  fi
}

# ---------------------------------------------------------------- swarm
# swarm_info: sets SW_STATE (inactive|active|pending|error|locked|unknown), SW_MANAGER (true|false), SW_NODE.
swarm_info() {
  local out
  out="$(dk info --format '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}} {{.Swarm.NodeID}}' 2>/dev/null || true)"
  read -r SW_STATE SW_MANAGER SW_NODE <<<"$out" || true
  SW_STATE="${SW_STATE:-unknown}"
  SW_MANAGER="${SW_MANAGER:-false}"
  SW_NODE="${SW_NODE:-}"
}
swarm_state() { swarm_info; echo "$SW_STATE"; }
# True when the swarm this engine is in was initialised by the lab (node label).
swarm_is_lab() {
  swarm_info
  [[ $SW_STATE == active && $SW_MANAGER == true && -n $SW_NODE ]] || return 1
  local lbl
  lbl="$(dk node inspect --format "{{index .Spec.Labels \"$LAB_LABEL_KEY\"}}" "$SW_NODE" 2>/dev/null || true)"
  [[ $lbl == 1 ]]
}

ensure_swarm() {
  swarm_info
  case "$SW_STATE" in
    active)
      [[ $SW_MANAGER == true ]] || die "this engine is a swarm worker; the lab needs a manager to create $LAB_OVERLAY"
      if swarm_is_lab; then ok "swarm active (initialised by the lab)"; else ok "swarm active (not the lab's: it stays after down)"; fi
      ;;
    inactive)
      if ! network_exists "$LAB_GWBRIDGE"; then
        dk network create --driver bridge --subnet "$LAB_GWBRIDGE_SUBNET" \
          --label "$LAB_LABEL" \
          --opt com.docker.network.bridge.name=docker_gwbridge \
          --opt com.docker.network.bridge.enable_icc=false \
          --opt com.docker.network.bridge.enable_ip_masquerade=true \
          "$LAB_GWBRIDGE" >/dev/null || die "could not create $LAB_GWBRIDGE"
        info "created $LAB_GWBRIDGE $LAB_GWBRIDGE_SUBNET (labelled)"
      fi
      info "initialising a single-node swarm (advertise/listen 127.0.0.1)"
      dk swarm init --advertise-addr 127.0.0.1 --listen-addr 127.0.0.1:2377 >/dev/null ||
        die "docker swarm init failed"
      swarm_info
      dk node update --label-add "$LAB_LABEL" "$SW_NODE" >/dev/null || die "could not label swarm node $SW_NODE"
      ok "swarm initialised by the lab (node $SW_NODE labelled $LAB_LABEL)"
      ;;
    *)
      die "swarm state is '$SW_STATE'; fix it (e.g. docker swarm leave --force if it is yours) and re-run"
      ;;
  esac
}

leave_lab_swarm() {
  if swarm_is_lab; then
    info "leaving the swarm the lab initialised"
    dk swarm leave --force >/dev/null || warn "docker swarm leave failed"
  elif [[ $SW_STATE == active || $SW_STATE == pending || $SW_STATE == locked ]]; then
    info "swarm ($SW_STATE) was not initialised by the lab: left as it is"
  fi
}

# ---------------------------------------------------------------- user
ensure_lab_user() {
  getent group docker >/dev/null || { groupadd --system docker; warn "created group docker; dockerd started before this keeps its socket group"; }
  if id "$LAB_USER" >/dev/null 2>&1; then
    local gecos
    gecos="$(getent passwd "$LAB_USER" | cut -d: -f5)"
    [[ $gecos == "$LAB_USER_GECOS" ]] || die "user $LAB_USER exists but was not created by the lab; not touching it"
    id -nG "$LAB_USER" | tr ' ' '\n' | grep -qx docker || usermod -aG docker "$LAB_USER"
    ok "user $LAB_USER present (group docker)"
  else
    useradd --create-home --shell /bin/bash --comment "$LAB_USER_GECOS" --groups docker "$LAB_USER"
    ok "user $LAB_USER created (group docker, no sudo)"
  fi
}

remove_lab_user() {
  id "$LAB_USER" >/dev/null 2>&1 || return 0
  local gecos
  gecos="$(getent passwd "$LAB_USER" | cut -d: -f5)"
  if [[ $gecos != "$LAB_USER_GECOS" ]]; then
    warn "user $LAB_USER was not created by the lab; left alone"
    return 0
  fi
  if userdel --remove "$LAB_USER" 2>/dev/null; then
    info "removed user $LAB_USER"
  else
    warn "could not remove user $LAB_USER (processes still running as it?)"
  fi
}

# ---------------------------------------------------------------- waiting
# wait_running NAME...: up to ~30 s until every container runs.
wait_running() {
  local i n st pending
  local -A state
  for ((i = 0; i < 60; i++)); do
    state=()
    while read -r n st; do state[${n#/}]="$st"; done < <(dk inspect --type container --format '{{.Name}} {{.State.Status}}' "$@" 2>/dev/null || true)
    pending=()
    for n in "$@"; do
      [[ ${state[$n]:-missing} == running ]] || pending+=("$n:${state[$n]:-missing}")
    done
    ((${#pending[@]} == 0)) && return 0
    sleep 0.5
  done
  warn "not running: ${pending[*]}"
  return 1
}

# ---------------------------------------------------------------- bench
bench_name() { printf 'bench-%04d' "$1"; }

bench_run_one() {
  lab_docker_run "$1" --hostname "$1" --label "$LAB_BENCH_LABEL" \
    --label containernet.lab.scenario=bench \
    "${LAB_INIT[@]}" "${LAB_DNS_OPTS[@]}" --network "$LAB_NET" \
    "$LAB_IMAGE" lab-httpd
}

// Which network namespace id (nsid) the host namespace gives each container's namespace,
// read WITHOUT privilege. A host veth's `link_netnsid` (from `ip -j link`) names the namespace
// its peer lives in; Docker 28 creates every container's eth0 inside the container, so every
// eth0 has ifindex 2 and the peer index alone cannot tell containers apart. The nsid can.
//
// The kernel answers RTM_GETNSID with NETNSA_PID for any user (rtnl_net_getid() has no
// capability check and only looks the pid's namespace up), but no iproute2 command asks it
// by pid (`ip netns identify` opens /proc/PID/ns/net, which needs ptrace rights). So a few
// lines of Perl (perl-base is Essential on Debian and Ubuntu) open a NETLINK_ROUTE socket
// and ask, one request per pid, in one process for all containers. The pids are arguments,
// checked as digits; the script is a constant. Nothing here needs or uses root.
import type { RunCommand } from './commandRunner';
import { ParseError } from './parseError';

/**
 * AF_NETLINK=16, SOCK_RAW=3, NETLINK_ROUTE=0; RTM_GETNSID=90 with NLM_F_REQUEST=1; the
 * request is nlmsghdr + rtgenmsg (padded to 4) + attribute NETNSA_PID (2, u32); the answer
 * RTM_NEWNSID carries NETNSA_NSID (1, s32), -1 when the host has given that namespace no id.
 * An NLMSG_ERROR (2) answer prints its errno (3 = no such process).
 */
const NSID_SCRIPT = String.raw`
use strict; use warnings;
socket(my $s, 16, 3, 0) or die "netlink socket: $!\n";
my $seq = 0;
for my $pid (@ARGV) {
  next unless $pid =~ /^[0-9]{1,10}$/;
  $seq++;
  my $msg = pack('LSSLL', 28, 90, 1, $seq, 0) . pack('Cx3', 0) . pack('SSL', 8, 2, $pid);
  send($s, $msg, 0) or die "netlink send: $!\n";
  my $buf = '';
  defined(recv($s, $buf, 8192, 0)) or die "netlink recv: $!\n";
  my ($len, $type) = unpack('LS', $buf);
  if ($type == 2) { print "$pid error ", -unpack('l', substr($buf, 16, 4)), "\n"; next; }
  my ($off, $nsid) = (20, 'none');
  while ($off + 4 <= $len && $off + 4 <= length($buf)) {
    my ($alen, $atype) = unpack('SS', substr($buf, $off, 4));
    last if $alen < 4;
    $nsid = unpack('l', substr($buf, $off + 4, 4)) if $atype == 1 && $alen >= 8;
    $off += ($alen + 3) & ~3;
  }
  print "$pid nsid $nsid\n";
}
`;

export const NSID_PROBE_ARGS = ['perl', '-e', NSID_SCRIPT, '--'];

export interface NamespaceIdRead {
  /** pid -> nsid in the host namespace (only pids whose namespace has one). */
  ids: Map<number, number>;
  /** Pids the kernel had no process for, or another errno, in words. */
  failed: string[];
}

export function parseNamespaceIds(text: string): NamespaceIdRead {
  const ids = new Map<number, number>();
  const failed: string[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const m = /^(\d+) (nsid|error) (-?\d+|none)$/.exec(line.trim());
    if (!m) throw new ParseError('nsid probe', `unexpected line: ${line.slice(0, 80)}`);
    const pid = Number(m[1]);
    if (m[2] === 'error') failed.push(`pid ${pid}: ${m[3] === '3' ? 'no such process' : `errno ${m[3]}`}`);
    else if (m[3] !== 'none' && Number(m[3]) >= 0) ids.set(pid, Number(m[3]));
  }
  return { ids, failed };
}

/** One unprivileged process for all pids. */
export async function readNamespaceIds(run: RunCommand, pids: readonly number[], timeoutMs = 5000): Promise<NamespaceIdRead> {
  if (pids.length === 0) return { ids: new Map(), failed: [] };
  const out = await run([...NSID_PROBE_ARGS, ...pids.map(String)], { timeoutMs });
  return parseNamespaceIds(out.stdout);
}

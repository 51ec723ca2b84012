// The sudoers line offered when a privileged read is refused: every command the extension runs
// through the privilege command, pinned to the exact arguments it runs with, so the rule
// grants those reads and nothing else where sudoers can say so.
// - iptables-save, ip6tables-save, nft and conntrack: exact argument lists.
// - nsenter: its arguments hold a pid or a sandbox path, which a fixed list cannot name. sudo
//   1.9.10 and later take a regular expression (^...$) as the arguments: the pid is pinned to
//   digits, the path to Docker's netns folder, the command after it to the exact read. What
//   cannot be pinned: which process's (or sandbox's) network namespace is entered. Those reads
//   are read-only, and the program is looked up on sudo's secure_path, not the user's PATH.
import { BRIDGE_FDB_ARGS } from './bridgeTables';
import { CONNTRACK_ARGS } from './conntrack';
import { NAMESPACE_NAT_ARGS } from './containerNamespaces';
import { IP6TABLES_SAVE_ARGS, IPTABLES_SAVE_ARGS } from './iptablesSave';
import { IP_ADDR_ARGS } from './links';
import { NFT_RULESET_ARGS } from './nftRuleset';
import { DOCKER_NETNS_DIR } from './overlaySandboxes';

/**
 * Every argv run through the privilege command when not root. `{}` stands for a pid after
 * `-t`, and for a sandbox path in `--net={}`.
 */
export const PRIVILEGED_COMMANDS: readonly (readonly string[])[] = [
  IPTABLES_SAVE_ARGS,
  IP6TABLES_SAVE_ARGS,
  NFT_RULESET_ARGS,
  CONNTRACK_ARGS,
  // (NAMESPACE_LINK_ARGS runs only as root, never through the privilege command.)
  NAMESPACE_NAT_ARGS,
  ['nsenter', '--net={}', ...IP_ADDR_ARGS],
  ['nsenter', '--net={}', ...BRIDGE_FDB_ARGS],
];

/** Characters sudoers wants escaped inside command arguments. */
function sudoersEscape(text: string): string {
  return text.replace(/[\\,:=]/g, (c) => `\\${c}`);
}

function regexEscape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, (c) => `\\${c}`);
}

/** One command as sudoers should allow it: exact arguments, or a ^...$ expression where one varies. */
export function sudoersCommand(argv: readonly string[], pathOf: (tool: string) => string): string {
  const [tool, ...args] = argv;
  const path = pathOf(tool ?? '');
  if (!args.some((a) => a.includes('{}'))) return `${path} ${args.map(sudoersEscape).join(' ')}`;
  const pattern = args
    .map((a) => {
      if (a === '{}') return '[0-9]+';
      if (a.includes('{}'))
        return a
          .split('{}')
          .map(regexEscape)
          .join(`${regexEscape(DOCKER_NETNS_DIR)}/[A-Za-z0-9_.-]+`);
      return regexEscape(a);
    })
    .join(' ');
  return `${path} ${sudoersEscape(`^${pattern}$`)}`;
}

/** The sudoers line for `user`: every privileged command, each pinned. */
export function sudoersLine(user: string, pathOf: (tool: string) => string): string {
  return `${user} ALL=(root) NOPASSWD: ${PRIVILEGED_COMMANDS.map((c) => sudoersCommand(c, pathOf)).join(', ')}`;
}

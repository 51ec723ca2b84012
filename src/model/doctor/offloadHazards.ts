// Offload settings known to break VXLAN on the interface it leaves by: a driver, the features
// (as `ethtool -k` names them) that hurt when on, why, and where it is documented. Only
// documented combinations are here; a driver not listed is never warned about.

export interface OffloadHazard {
  /** The driver as `ethtool -i` names it. */
  driver: string;
  /** The features that hurt when on; the fix switches off those that are on. */
  features: readonly string[];
  /** Why it hurts VXLAN, in words. */
  why: string;
  /** Where it is documented. */
  source: string;
}

export const OFFLOAD_HAZARDS: readonly OffloadHazard[] = [
  // Docker swarm overlays between VMware VMs with the vmxnet3 adapter: VXLAN traffic between
  // nodes is dropped until `ethtool -K <if> tx-checksum-ip-generic off` (moby/moby#41775
  // "Upgrade to 20.10 breaks swarm network", with Red Hat solution 5881451 linked there;
  // coreos/fedora-coreos-tracker#1372; swarmpit/swarmpit#688). OpenShift switches it off on
  // every vmxnet3 interface for the same reason (openshift/machine-config-operator#2734, Red Hat
  // Bugzilla 1987108, "vSphere: disable vmxnet3 tx csum offload").
  {
    driver: 'vmxnet3',
    features: ['tx-checksum-ip-generic'],
    why: 'with transmit checksum offload on, VXLAN-encapsulated packets leave a vmxnet3 adapter (VMware) with bad checksums and the other node drops them: ping and small packets may pass while TCP between containers on different nodes hangs',
    source: 'moby/moby#41775 (Red Hat solution 5881451), openshift/machine-config-operator#2734',
  },
  // vmxnet3 v4 (VMware virtual hardware 14 and later) offers segmentation offload for UDP
  // tunnels; with it on, large VXLAN packets are lost: OpenShift switches both off on vmxnet3
  // "based on one of VMware's recommendations" (openshift/machine-config-operator#2472 and
  // #2495, Red Hat Bugzilla 1935539 and 1941246); Cilium on vSphere, "ICMP works, TCP does not"
  // (cilium/cilium#21801); Weave (weaveworks/weave#3887).
  {
    driver: 'vmxnet3',
    features: ['tx-udp_tnl-segmentation', 'tx-udp_tnl-csum-segmentation'],
    why: 'vmxnet3 v4 (VMware virtual hardware 14 and later) segments large VXLAN-encapsulated packets in the virtual adapter and they are lost on the way: connections between nodes open and ping answers, but larger transfers stall',
    source: 'openshift/machine-config-operator#2472 and #2495 (Red Hat Bugzilla 1935539), cilium/cilium#21801',
  },
];

/** A feature's value as `ethtool -k` prints it ("on", "off [fixed]", "on [requested off]"): on, and whether the driver fixes it. */
export function featureState(value: string | undefined): { on: boolean; fixed: boolean } | undefined {
  if (value === undefined) return undefined;
  return { on: /^on\b/.test(value), fixed: /\[fixed\]/.test(value) };
}

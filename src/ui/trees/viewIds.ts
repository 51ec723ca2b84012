// The sidebar's view ids, as contributed in package.json.
export const VIEW = {
  containers: 'containerNet.views.containers',
  networks: 'containerNet.views.networks',
  host: 'containerNet.views.host',
  netfilter: 'containerNet.views.netfilter',
  problems: 'containerNet.views.problems',
} as const;

export type ViewId = (typeof VIEW)[keyof typeof VIEW];

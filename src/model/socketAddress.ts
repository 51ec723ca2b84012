// An address and port as the tools print them: `172.30.1.10:80`, `[fd00:30:6::10]:80`.
export function socketAddress(ip: string, port: number | string): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

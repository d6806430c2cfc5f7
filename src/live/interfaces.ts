/** `espy -D`: the interfaces libpcap can open, numbered as tshark numbers them. */
import { loadCap, type CapDevice } from './cap.js';
import { LiveError, LIVE_EXIT } from './errors.js';

export function listDevices(): CapDevice[] {
  return loadCap().Cap.deviceList();
}

/** `1. eth0 (description) [192.0.2.2, fd00::2]`; the loopback is labelled as tshark does. */
export function formatDevices(devs: readonly CapDevice[]): string {
  return devs
    .map((d, i) => {
      const desc = d.description ?? (/LOOPBACK/.test(d.flags ?? '') ? 'Loopback' : undefined);
      const addrs = d.addresses.map((a) => a.addr).filter((a): a is string => !!a);
      return `${i + 1}. ${d.name}${desc ? ` (${desc})` : ''}${addrs.length ? ` [${addrs.join(', ')}]` : ''}`;
    })
    .join('\n');
}

export function interfaceListText(): string {
  const devs = listDevices();
  if (!devs.length) {
    throw new LiveError('no interfaces found (libpcap sees none: check permissions, or that this is not a restricted container)', LIVE_EXIT.NO_INTERFACES);
  }
  return formatDevices(devs) + '\n';
}

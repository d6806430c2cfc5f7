/** ANSI colours for terminal output; a no-op palette when colour is off. */

export interface Palette {
  proto(protocol: string, text: string): string;
  bad(text: string): string;
  dim(text: string): string;
  bold(text: string): string;
}

const wrap = (code: string) => (t: string) => `\x1b[${code}m${t}\x1b[0m`;

const BY_PROTOCOL: Readonly<Record<string, (t: string) => string>> = {
  ISAKMP: wrap('36'),
  IKEv2: wrap('36'),
  ESP: wrap('32'),
  AH: wrap('33'),
  UDPENCAP: wrap('35'),
};

export const ANSI: Palette = {
  proto: (p, t) => (BY_PROTOCOL[p] ?? ((x: string) => x))(t),
  bad: wrap('31'),
  dim: wrap('2'),
  bold: wrap('1'),
};

export const PLAIN: Palette = {
  proto: (_p, t) => t,
  bad: (t) => t,
  dim: (t) => t,
  bold: (t) => t,
};

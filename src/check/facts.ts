/**
 * What `espy check` knows about a capture: the session model (the same
 * SessionBuilder that `-z ike,sessions` / `-z esp,sas` use), every expert
 * note counted by id (so decryption's ICV/AUTH/HASH notes are counted the
 * day they appear, with no change here), and, per child-SA exchange (IKEv1
 * Quick Mode, IKEv2 IKE_AUTH / CREATE_CHILD_SA), what is visible of it: the
 * payload types (for PFS: is there a KE?) and the ESP/AH proposals. Those are
 * visible only in clear or once decrypted (--keys / --psk).
 */
import { openCapture, CaptureError, type CaptureReader } from '../capture/index.js';
import { PacketDissector, layerTree, type Packet } from '../dissect/packet.js';
import type { DecryptHooks } from '../dissect/decrypt-hooks.js';
import type { TreeNode } from '../core/tree.js';
import type { Note, NoteDef } from '../core/notes.js';
import { SessionBuilder, type SessionModel } from '../analyze/sessions.js';
import { ikeObs, type ProposalObs, type PayloadObs } from '../analyze/observe.js';

/** Evidence is capped per item so a report on a huge capture stays readable. */
export const MAX_EVIDENCE_FRAMES = 10;

export interface NoteCount {
  readonly def: NoteDef;
  /** Packets that carried the note at least once. */
  packets: number;
  /** First frames (at most MAX_EVIDENCE_FRAMES) with the first message seen in each. */
  readonly first: { frame: number; message: string }[];
}

export interface ChildExchange {
  readonly ispi: string;
  readonly version: 1 | 2;
  readonly frame: number;
  readonly exchange: string;
  readonly exchangeType: number;
  readonly messageId: number;
  /** IKEv2: R flag; IKEv1: the second distinct message of the Quick Mode. */
  readonly response: boolean;
  /** Payload types visible in the message (clear or decrypted); undefined when encrypted and not decrypted. */
  readonly payloadTypes?: readonly number[];
  /** ESP/AH proposals in a visible SA payload. */
  readonly proposals: readonly ProposalObs[];
  /** IKE proposals in a visible SA payload (an IKEv2 IKE SA rekey, RFC 7296 §1.3.2: the SPI is the new SA's). */
  readonly ikeProposals: readonly ProposalObs[];
}

export interface CaptureFacts {
  readonly file: string;
  readonly packets: number;
  readonly model: SessionModel;
  readonly notes: ReadonlyMap<string, NoteCount>;
  /** Packets with at least one note of group 'malformed', and the first of them. */
  readonly malformed: { readonly packets: number; readonly first: readonly { frame: number; id: string; message: string }[] };
  readonly childExchanges: readonly ChildExchange[];
  /** Whether key material was given (--keys / --psk), i.e. encrypted parts could be decrypted. */
  readonly decryption: boolean;
  /** The capture ended in a fault after `packets` frames (the facts cover those). */
  readonly error?: string;
}

function collectNotes(n: TreeNode, out: Note[]): void {
  if (n.notes) out.push(...n.notes);
  if (n.children) for (const c of n.children) collectNotes(c, out);
}

/** Every note of a packet (layer notes and notes on fields deep in the tree), each once. */
export function packetNotes(p: Packet): Note[] {
  const all: Note[] = [];
  for (const l of p.layers) {
    if (l.notes.length) all.push(...l.notes);
    collectNotes(layerTree(l), all);
  }
  return [...new Set(all)];
}

const CHILD_EXCHANGES: Record<number, ReadonlySet<number>> = { 1: new Set([32]), 2: new Set([35, 36]) };
/** SA payload protocol ids for ESP and AH (RFC 2407 §4.4.1, RFC 7296 §3.3.1). */
const CHILD_PROTOCOLS = new Set([2, 3]);

class FactsCollector {
  readonly sessions = new SessionBuilder();
  readonly notes = new Map<string, NoteCount>();
  readonly childExchanges: ChildExchange[] = [];
  private readonly seenDigests = new Set<string>();
  /** IKEv1 Quick Mode: distinct messages seen per (ispi, message id). */
  private readonly qmMessages = new Map<string, number>();
  packets = 0;
  readonly malformed = { packets: 0, first: [] as { frame: number; id: string; message: string }[] };

  add(p: Packet): void {
    this.packets++;
    this.sessions.add(p);
    const seen = new Set<string>();
    const notes = packetNotes(p);
    const bad = notes.find((n) => n.def.group === 'malformed');
    if (bad) {
      this.malformed.packets++;
      if (this.malformed.first.length < MAX_EVIDENCE_FRAMES) this.malformed.first.push({ frame: p.frame.number, id: bad.def.id, message: bad.message });
    }
    for (const n of notes) {
      let c = this.notes.get(n.def.id);
      if (!c) this.notes.set(n.def.id, (c = { def: n.def, packets: 0, first: [] }));
      if (seen.has(n.def.id)) continue;
      seen.add(n.def.id);
      c.packets++;
      if (c.first.length < MAX_EVIDENCE_FRAMES) c.first.push({ frame: p.frame.number, message: n.message });
    }
    for (const l of p.layers) if (l.spec.id === 'isakmp') this.ike(p, l);
  }

  private ike(p: Packet, l: Packet['layers'][number]): void {
    const obs = ikeObs(p, l);
    if (!obs || (obs.major !== 1 && obs.major !== 2)) return;
    const version = obs.major as 1 | 2;
    if (!CHILD_EXCHANGES[version]!.has(obs.exchangeType)) return;
    // Retransmissions say nothing new.
    const key = `${obs.ispi} ${obs.digest}`;
    if (this.seenDigests.has(key)) return;
    this.seenDigests.add(key);
    let response: boolean;
    if (version === 2) response = (obs.flags & 0x20) !== 0;
    else {
      const k = `${obs.ispi} ${obs.messageId}`;
      const n = (this.qmMessages.get(k) ?? 0) + 1;
      this.qmMessages.set(k, n);
      response = n === 2;
    }
    let visible: readonly PayloadObs[] | undefined;
    if (obs.decrypted) visible = obs.decrypted;
    else if (!obs.encrypted) visible = obs.payloads;
    const proposals: ProposalObs[] = [];
    const ikeProposals: ProposalObs[] = [];
    for (const pl of visible ?? [])
      for (const pr of pl.proposals ?? []) {
        if (pr.protocolId !== undefined && CHILD_PROTOCOLS.has(pr.protocolId)) proposals.push(pr);
        else if (pr.protocolId === 1) ikeProposals.push(pr);
      }
    this.childExchanges.push({
      ispi: obs.ispi,
      version,
      frame: p.frame.number,
      exchange: obs.exchangeName,
      exchangeType: obs.exchangeType,
      messageId: obs.messageId,
      response,
      ...(visible ? { payloadTypes: visible.map((x) => x.type) } : {}),
      proposals,
      ikeProposals,
    });
  }
}

/** A decryption engine (src/decrypt/engine.ts): the pipeline's hooks plus its two-pass mode switch. */
export type CheckEngine = DecryptHooks & { setMode(m: 'learn' | 'decrypt' | 'both'): void };

/** The capture could not be opened at all (exit 3). */
export class CaptureUnreadable extends Error {}

async function pass(file: string, hooks: DecryptHooks | undefined, each: (p: Packet) => void): Promise<string | undefined> {
  let reader: CaptureReader;
  try {
    reader = await openCapture(file);
  } catch (e) {
    if (e instanceof CaptureError) throw new CaptureUnreadable(e.message);
    throw e;
  }
  const dissector = new PacketDissector(hooks ? { decrypt: hooks } : {});
  let n = 0;
  try {
    for (;;) {
      const batch = await reader.next();
      if (!batch) break;
      for (const frame of batch) {
        n++;
        each(dissector.dissect(frame));
      }
    }
  } catch (e) {
    if (!(e instanceof CaptureError)) throw e;
    return `${e.message} (after frame ${n})`;
  } finally {
    reader.close();
  }
  return undefined;
}

/** Read the capture (twice with keys: a learn pass, then the decrypt pass) and gather the facts. */
export async function gatherFacts(file: string, engine?: CheckEngine): Promise<CaptureFacts> {
  if (engine && file !== '-') {
    engine.setMode('learn');
    await pass(file, engine, () => {});
    engine.setMode('decrypt');
  }
  const c = new FactsCollector();
  const error = await pass(file, engine, (p) => c.add(p));
  return {
    file,
    packets: c.packets,
    model: c.sessions.result(),
    notes: c.notes,
    malformed: c.malformed,
    childExchanges: c.childExchanges,
    decryption: engine !== undefined,
    ...(error ? { error } : {}),
  };
}

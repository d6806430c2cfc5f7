/**
 * The ISAKMP header and generic-payload fields, in a module of their own so
 * that payload decoders can use them without importing the message dissector
 * (which imports the decoders: a cycle that breaks module initialisation).
 */
import { defineFields } from '../../core/fields.js';
import { ISAKMP_EXCHANGE_TYPES, ISAKMP_PAYLOAD_TYPES } from './codes.js';

/** Header flag bits (RFC 2408 §3.1, RFC 7296 §3.1). */
export const FLAG_E = 0x01;
export const FLAG_C = 0x02;
export const FLAG_A = 0x04;
export const FLAG_I = 0x08;
export const FLAG_V = 0x10;
export const FLAG_R = 0x20;

export const isakmpFields = defineFields({
  proto: { id: 'isakmp', label: 'Internet Security Association and Key Management Protocol', type: 'protocol', rfc: 'RFC 2408, RFC 7296' },
  ispi: { id: 'isakmp.ispi', label: 'Initiator SPI', type: 'bytes', rfc: 'RFC 7296 §3.1' },
  rspi: { id: 'isakmp.rspi', label: 'Responder SPI', type: 'bytes', rfc: 'RFC 7296 §3.1' },
  nextpayload: { id: 'isakmp.nextpayload', label: 'Next payload', type: 'uint', values: ISAKMP_PAYLOAD_TYPES, rfc: 'RFC 7296 §3.2' },
  version: { id: 'isakmp.version', label: 'Version', type: 'uint', base: 'hex', hexDigits: 2, rfc: 'RFC 7296 §3.1' },
  mjver: { id: 'isakmp.mjver', label: 'MjVer', type: 'uint', base: 'hex', mask: 0xf0, bits: 8, rfc: 'RFC 7296 §3.1' },
  mnver: { id: 'isakmp.mnver', label: 'MnVer', type: 'uint', base: 'hex', mask: 0x0f, bits: 8, rfc: 'RFC 7296 §3.1' },
  exchangetype: { id: 'isakmp.exchangetype', label: 'Exchange type', type: 'uint', values: ISAKMP_EXCHANGE_TYPES, rfc: 'RFC 2408 §3.1, RFC 7296 §3.1' },
  flags: { id: 'isakmp.flags', label: 'Flags', type: 'uint', base: 'hex', hexDigits: 2, rfc: 'RFC 7296 §3.1' },
  flagE: { id: 'isakmp.flag_e', label: 'Encryption', type: 'bool', mask: FLAG_E, bits: 8, rfc: 'RFC 2408 §3.1' },
  flagC: { id: 'isakmp.flag_c', label: 'Commit', type: 'bool', mask: FLAG_C, bits: 8, rfc: 'RFC 2408 §3.1' },
  flagA: { id: 'isakmp.flag_a', label: 'Authentication', type: 'bool', mask: FLAG_A, bits: 8, rfc: 'RFC 2408 §3.1' },
  flagI: { id: 'isakmp.flag_i', label: 'Initiator', type: 'bool', mask: FLAG_I, bits: 8, rfc: 'RFC 7296 §3.1' },
  flagV: { id: 'isakmp.flag_v', label: 'Version', type: 'bool', mask: FLAG_V, bits: 8, rfc: 'RFC 7296 §3.1' },
  flagR: { id: 'isakmp.flag_r', label: 'Response', type: 'bool', mask: FLAG_R, bits: 8, rfc: 'RFC 7296 §3.1' },
  messageid: { id: 'isakmp.messageid', label: 'Message ID', type: 'uint', base: 'hex', hexDigits: 8, rfc: 'RFC 7296 §3.1' },
  length: { id: 'isakmp.length', label: 'Length', type: 'uint', rfc: 'RFC 7296 §3.1' },
  typepayload: { id: 'isakmp.typepayload', label: 'Payload', type: 'uint', values: ISAKMP_PAYLOAD_TYPES, rfc: 'RFC 7296 §3.2' },
  criticalpayload: { id: 'isakmp.criticalpayload', label: 'Critical Bit', type: 'bool', mask: 0x80, bits: 8, rfc: 'RFC 7296 §3.2' },
  reserved7: { id: 'isakmp.reserved7', label: 'Reserved', type: 'uint', base: 'hex', hexDigits: 2, mask: 0x7f, bits: 8, rfc: 'RFC 7296 §3.2' },
  reserved: { id: 'isakmp.reserved', label: 'Reserved', type: 'bytes', rfc: 'RFC 2408 §3.2' },
  payloadlength: { id: 'isakmp.payloadlength', label: 'Payload length', type: 'uint', rfc: 'RFC 7296 §3.2' },
  datapayload: { id: 'isakmp.datapayload', label: 'Data Payload', type: 'bytes', blurb: 'Payload body, not decoded' },
  encData: { id: 'isakmp.enc.data', label: 'Encrypted Data', type: 'bytes', rfc: 'RFC 2408 §3.1, RFC 7296 §3.14', blurb: 'IV, ciphertext and ICV, undivided (not decrypted)' },
  encIv: { id: 'isakmp.enc.iv', label: 'Initialization Vector', type: 'bytes', rfc: 'RFC 7296 §3.14, RFC 2409 App. B' },
  encIcd: { id: 'isakmp.enc.icd', label: 'Integrity Checksum Data', type: 'bytes', rfc: 'RFC 7296 §3.14' },
  encIcdStatus: { id: 'isakmp.enc.icd_status', label: 'Integrity check', type: 'string', blurb: 'good, bad or unchecked' },
  encDecrypted: { id: 'isakmp.enc.decrypted', label: 'Decrypted Data', type: 'bytes', rfc: 'RFC 7296 §3.14', blurb: 'The plaintext, dissected below' },
  encPadding: { id: 'isakmp.enc.padding', label: 'Padding', type: 'bytes', rfc: 'RFC 7296 §3.14' },
  encPadLength: { id: 'isakmp.enc.pad_length', label: 'Pad Length', type: 'uint', rfc: 'RFC 7296 §3.14' },
  encStatus: { id: 'isakmp.enc.status', label: 'Decryption', type: 'string', blurb: 'decrypted, ICV mismatch, garbled' },
  encKeys: { id: 'isakmp.enc.keys', label: 'Keys from', type: 'string', blurb: 'Key table line, log, or how espy derived the keys' },
  encCheck: { id: 'isakmp.enc.check', label: 'Verification', type: 'string', blurb: 'HASH_I/HASH_R/HASH(n)/AUTH check result' },
  fragNumber: { id: 'isakmp.frag.number', label: 'Fragment Number', type: 'uint', rfc: 'RFC 7383 §2.5' },
  fragTotal: { id: 'isakmp.frag.total', label: 'Total Fragments', type: 'uint', rfc: 'RFC 7383 §2.5' },
  extradata: { id: 'isakmp.extradata', label: 'Extra data', type: 'bytes', blurb: 'Bytes after the message length' },
});

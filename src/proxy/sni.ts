// Parses the TLS ClientHello at the start of a connection, without consuming
// it, to learn the SNI host name and the offered ALPN protocols. The input is
// attacker-controlled: every length is bounds-checked, nothing throws, and the
// bytes needed to reach a verdict are capped (see MAX_CLIENT_HELLO_WIRE_BYTES).

export type ClientHelloResult = { kind: 'need-more' } | { kind: 'not-tls' } | { kind: 'hello'; serverName?: string; alpn?: string[] };

const RECORD_HANDSHAKE = 22;
const HANDSHAKE_CLIENT_HELLO = 1;
const RECORD_HEADER = 5;
const HANDSHAKE_HEADER = 4;
const MAX_RECORD_PAYLOAD = 16 * 1024; // TLSPlaintext.length limit (RFC 8446 §5.1)
/** Largest ClientHello message accepted (header included); real ones are < 3 KiB. */
export const MAX_CLIENT_HELLO_BYTES = 16 * 1024;
/** A hello fragmented into more records than this is refused (real clients use one or two). */
const MAX_RECORDS = 64;
/** The most bytes a caller ever has to buffer before parseClientHello decides. */
export const MAX_CLIENT_HELLO_WIRE_BYTES = MAX_CLIENT_HELLO_BYTES + MAX_RECORDS * RECORD_HEADER;

const EXT_SERVER_NAME = 0;
const EXT_ALPN = 16;
const NAME_TYPE_HOST = 0;

const NEED_MORE: ClientHelloResult = { kind: 'need-more' };
const NOT_TLS: ClientHelloResult = { kind: 'not-tls' };

/** Malformed input inside a complete ClientHello; caught at the top and mapped to not-tls. */
class Malformed extends Error {}

export function parseClientHello(buf: Buffer): ClientHelloResult {
  const message = reassembleHandshake(buf);
  if (!Buffer.isBuffer(message)) return message;
  try {
    return parseHelloBody(message.subarray(HANDSHAKE_HEADER));
  } catch (err) {
    if (err instanceof Malformed) return NOT_TLS;
    throw err;
  }
}

/**
 * Joins the payloads of consecutive handshake records until the whole
 * ClientHello message (4-byte header + body) is present, so a hello split
 * across records or TCP chunks parses the same as one in a single record.
 */
function reassembleHandshake(buf: Buffer): Buffer | ClientHelloResult {
  const fragments: Buffer[] = [];
  let have = 0;
  let need = HANDSHAKE_HEADER; // grows to the full message length once the header is read
  let offset = 0;
  for (let records = 0; have < need; records++) {
    if (records === MAX_RECORDS) return NOT_TLS;
    const header = checkRecordHeader(buf, offset);
    if (header !== 'ok') return header;
    const length = buf.readUInt16BE(offset + 3);
    const payload = buf.subarray(offset + RECORD_HEADER, offset + RECORD_HEADER + length);
    fragments.push(payload);
    have += payload.length;
    if (need === HANDSHAKE_HEADER && have >= HANDSHAKE_HEADER) {
      const head = Buffer.concat(fragments).subarray(0, HANDSHAKE_HEADER);
      if (head[0] !== HANDSHAKE_CLIENT_HELLO) return NOT_TLS;
      need = HANDSHAKE_HEADER + head.readUIntBE(1, 3);
      if (need > MAX_CLIENT_HELLO_BYTES) return NOT_TLS;
    }
    if (payload.length < length && have < need) return NEED_MORE;
    offset += RECORD_HEADER + length;
  }
  return Buffer.concat(fragments).subarray(0, need);
}

/** Validates the record header at `offset` as far as the bytes present allow. */
function checkRecordHeader(buf: Buffer, offset: number): 'ok' | ClientHelloResult {
  const available = buf.length - offset;
  if (available < 1) return NEED_MORE;
  if (buf[offset] !== RECORD_HANDSHAKE) return NOT_TLS;
  if (available < 2) return NEED_MORE;
  if (buf[offset + 1] !== 3) return NOT_TLS; // legacy_record_version 3.x
  if (available < 3) return NEED_MORE;
  if (buf.readUInt8(offset + 2) > 4) return NOT_TLS;
  if (available < RECORD_HEADER) return NEED_MORE;
  const length = buf.readUInt16BE(offset + 3);
  // Zero-length handshake fragments are forbidden (RFC 8446 §5.1) and would let
  // a peer stall the parser for free.
  if (length === 0 || length > MAX_RECORD_PAYLOAD) return NOT_TLS;
  return 'ok';
}

/** A bounds-checked cursor over one ClientHello body. */
class Reader {
  private pos = 0;
  private readonly buf: Buffer;
  constructor(buf: Buffer) {
    this.buf = buf;
  }
  get remaining(): number {
    return this.buf.length - this.pos;
  }
  skip(n: number): void {
    this.bytes(n);
  }
  u8(): number {
    return this.bytes(1).readUInt8(0);
  }
  u16(): number {
    return this.bytes(2).readUInt16BE(0);
  }
  bytes(n: number): Buffer {
    if (n > this.remaining) throw new Malformed();
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  /** A vector with a 1- or 2-byte length prefix, returned as its own Reader. */
  vector(lengthBytes: 1 | 2): Reader {
    return new Reader(this.bytes(lengthBytes === 1 ? this.u8() : this.u16()));
  }
}

function parseHelloBody(body: Buffer): ClientHelloResult {
  const r = new Reader(body);
  r.skip(2 + 32); // legacy_version, random
  if (r.vector(1).remaining > 32) throw new Malformed(); // legacy_session_id
  const ciphers = r.vector(2);
  if (ciphers.remaining === 0 || ciphers.remaining % 2 !== 0) throw new Malformed();
  if (r.vector(1).remaining === 0) throw new Malformed(); // legacy_compression_methods
  const hello: { kind: 'hello'; serverName?: string; alpn?: string[] } = { kind: 'hello' };
  if (r.remaining === 0) return hello; // pre-TLS 1.2 hello without extensions
  const extensions = r.vector(2);
  if (r.remaining !== 0) throw new Malformed();
  const seen = new Set<number>();
  while (extensions.remaining > 0) {
    const type = extensions.u16();
    const data = extensions.vector(2);
    // A repeated extension is ambiguous: which SNI would the TLS stack use?
    if (seen.has(type)) throw new Malformed();
    seen.add(type);
    if (type === EXT_SERVER_NAME) hello.serverName = parseServerName(data);
    if (type === EXT_ALPN) hello.alpn = parseAlpn(data);
  }
  return hello;
}

/** server_name (RFC 6066 §3): at most one host_name; other name types ignored. */
function parseServerName(data: Reader): string | undefined {
  const list = data.vector(2);
  if (data.remaining !== 0 || list.remaining === 0) throw new Malformed();
  let host: string | undefined;
  while (list.remaining > 0) {
    const type = list.u8();
    const name = list.vector(2);
    if (type !== NAME_TYPE_HOST) continue;
    if (host !== undefined || name.remaining === 0) throw new Malformed();
    const bytes = name.bytes(name.remaining);
    // HostName is ASCII without NULs; anything else cannot name a vendor host.
    if (bytes.some((b) => b < 0x21 || b > 0x7e)) throw new Malformed();
    host = bytes.toString('latin1');
  }
  return host;
}

/** application_layer_protocol_negotiation (RFC 7301 §3.1). */
function parseAlpn(data: Reader): string[] {
  const list = data.vector(2);
  if (data.remaining !== 0 || list.remaining === 0) throw new Malformed();
  const protocols: string[] = [];
  while (list.remaining > 0) {
    const name = list.vector(1);
    if (name.remaining === 0) throw new Malformed();
    protocols.push(name.bytes(name.remaining).toString('latin1'));
  }
  return protocols;
}

/**
 * `pph fuzz` targets for the parsers of protocol/ that had none (issue 14 "a target per parser"):
 * transparency-log texts and proofs, Privacy Pass messages and headers, key material, and the
 * scenario YAML loader. Each `parse` turns arbitrary bytes into the parser's input; it may only
 * throw the parser's typed error (a PphError with a code).
 */
import { concat, utf8 } from '../../protocol/bytes.js';
import { encodeRequest, encodeResponse } from '../../protocol/bhttp.js';
import { decapsulateRequest, encapsulateRequest, generateGatewayKey } from '../../protocol/ohttp.js';
import { formatCheckpoint, parseCheckpoint } from '../../protocol/tlog/checkpoint.js';
import { CosignatureV1Signer } from '../../protocol/tlog/cosignature.js';
import { MerkleLog } from '../../protocol/tlog/log.js';
import { hashLeaf, verifyConsistency, verifyInclusion } from '../../protocol/tlog/merkle.js';
import { Ed25519NoteSigner, formatVerifierKey, parseVerifierKey, SIG_TYPE_ED25519 } from '../../protocol/tlog/note-key.js';
import { signNote, verifyNote } from '../../protocol/tlog/note.js';
import { verifyCosignedCheckpoint } from '../../protocol/tlog/witness-policy.js';
import { parseWwwAuthenticate, privateTokenChallenge, serializeWwwAuthenticate } from '../../protocol/tokens/auth-header.js';
import { encodeTokenRequest, parseTokenRequest } from '../../protocol/tokens/token-request.js';
import { encodeTokenResponse, parseTokenResponse } from '../../protocol/tokens/token-response.js';
import { decodeElement } from '../../protocol/tokens/voprf-p384.js';
import { encodeRsaPssSpki, parseRsaPssSpki } from '../../protocol/tokens/rsa-pss-spki.js';
import { readFileSync } from 'node:fs';
import { parseScenarioBytes, resolveScenarioPath } from '../../scenarios/load.js';
import { ChaChaRng } from '../../sim/rng.js';

export interface FuzzTarget {
  what: string;
  parse(bytes: Uint8Array): unknown;
  /** A valid message to mutate. */
  sample(): Uint8Array;
}

const corpusRng = () => ChaChaRng.fromSeed('pph fuzz corpus/protocol');
const latin1 = (b: Uint8Array) => Buffer.from(b).toString('latin1');
const text = (b: Uint8Array) => new TextDecoder().decode(b);
const u32 = (b: Uint8Array, at: number) => ((b[at] ?? 0) << 24 | (b[at + 1] ?? 0) << 16 | (b[at + 2] ?? 0) << 8 | (b[at + 3] ?? 0)) >>> 0;
const ROOT = 'CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=';
const FUZZ_REQUEST = { method: 'POST', scheme: 'https', authority: 'gateway.pph.test', path: '/summarise', headers: [], body: utf8('hi'), trailers: [] };

/** The client context whose response the sample answers (the same corpus Rng, so the same keys); built once. */
let client: ReturnType<typeof encapsulateRequest>['context'] | undefined;
function ohttpClient() {
  if (client) return client;
  const rng = corpusRng();
  const gateway = generateGatewayKey(1, rng.fork('gateway'));
  return (client = encapsulateRequest(gateway.config, encodeRequest(FUZZ_REQUEST), rng.fork('client')).context);
}

/** Keys of a small cosigned log, fixed so the corpus is the same on every machine. */
const logSigner = new Ed25519NoteSigner('log.pph.test', new Uint8Array(32).fill(1));
const witnesses = [new CosignatureV1Signer('w1.pph.test', new Uint8Array(32).fill(2)), new CosignatureV1Signer('w2.pph.test', new Uint8Array(32).fill(3))];
const policy = { log: logSigner.verifier(), witnesses: witnesses.map((w) => w.verifier()), quorum: 1, origin: 'log.pph.test' };
const checkpointText = formatCheckpoint({ origin: 'log.pph.test', size: 5, rootHash: new Uint8Array(32).fill(9), extensions: [] });
const cosignedNote = () => witnesses[0]!.cosignNote(signNote(checkpointText, [logSigner]), 1_700_000_000);

/** Bytes → (index, size, leaf, root, proof): a Merkle proof as a parser sees one on the wire. */
function proofArgs(b: Uint8Array): { a: number; b: number; leaf: Uint8Array; root: Uint8Array; proof: Uint8Array[] } {
  const leaf = b.subarray(8, 40);
  const root = b.subarray(40, 72);
  const proof: Uint8Array[] = [];
  for (let at = 72; at < b.length; at += 32) proof.push(b.subarray(at, Math.min(at + 32, b.length)));
  return { a: u32(b, 0), b: u32(b, 4), leaf, root, proof };
}

const merkleSample = (): Uint8Array => {
  const leaves = Array.from({ length: 7 }, (_, i) => utf8(`leaf ${i}`));
  const log = MerkleLog.fromLeaves(leaves);
  const head = new Uint8Array(8);
  new DataView(head.buffer).setUint32(0, 3);
  new DataView(head.buffer).setUint32(4, 7);
  return concat(head, hashLeaf(leaves[3]!), log.root(), ...log.inclusionProof(3));
};

export const PROTOCOL_FUZZ_TARGETS: Record<string, FuzzTarget> = {
  checkpoint: {
    what: 'c2sp.org/tlog-checkpoint body parser',
    parse: (b) => parseCheckpoint(text(b)),
    sample: () => utf8(`log.example/a\n20852163\n${ROOT}\nextension line\n`),
  },
  'signed-note': {
    what: 'C2SP signed note verification (Ed25519 key)',
    parse: (b) => verifyNote(b, [logSigner.verifier()]),
    sample: () => utf8(signNote(checkpointText, [logSigner])),
  },
  'cosigned-checkpoint': {
    what: 'checkpoint with cosignature/v1 witness lines under a quorum policy',
    parse: (b) => verifyCosignedCheckpoint(b, policy),
    sample: () => utf8(cosignedNote()),
  },
  vkey: {
    what: 'C2SP note verifier key (name+hash+base64)',
    parse: (b) => parseVerifierKey(latin1(b)),
    sample: () => utf8(formatVerifierKey(logSigner.name, SIG_TYPE_ED25519, logSigner.publicKey)),
  },
  'merkle-inclusion': {
    what: 'RFC 9162 §2.1.3.2 inclusion proof verification',
    parse: (b) => {
      const p = proofArgs(b);
      verifyInclusion(p.a, p.b, p.leaf, p.proof, p.root);
    },
    sample: merkleSample,
  },
  'merkle-consistency': {
    what: 'RFC 9162 §2.1.4.2 consistency proof verification',
    parse: (b) => {
      const p = proofArgs(b);
      verifyConsistency(p.a, p.b, p.proof, p.leaf, p.root);
    },
    sample: () => {
      const leaves = Array.from({ length: 7 }, (_, i) => utf8(`leaf ${i}`));
      const head = new Uint8Array(8);
      new DataView(head.buffer).setUint32(0, 3);
      new DataView(head.buffer).setUint32(4, 7);
      const old = MerkleLog.fromLeaves(leaves.slice(0, 3));
      const now = MerkleLog.fromLeaves(leaves);
      return concat(head, old.root(), now.root(), ...now.consistencyProof(3, 7));
    },
  },
  'ohttp-response': {
    what: 'RFC 9458 §4.4 response decapsulation (client side)',
    parse: (b) => ohttpClient().decapsulateResponse(b),
    sample: () => {
      const rng = corpusRng();
      const gateway = generateGatewayKey(1, rng.fork('gateway'));
      const { encapsulated } = encapsulateRequest(gateway.config, encodeRequest(FUZZ_REQUEST), rng.fork('client'));
      const opened = decapsulateRequest(gateway, encapsulated);
      return opened.context.encapsulateResponse(encodeResponse({ informational: [], status: 200, headers: [], body: utf8('ok'), trailers: [] }), rng.fork('response'));
    },
  },
  'token-request': {
    what: 'RFC 9578 TokenRequest parser (types 0x0001, 0x0002)',
    parse: parseTokenRequest,
    sample: () => encodeTokenRequest({ tokenType: 1, truncatedTokenKeyId: 7, blindedMsg: new Uint8Array(49).fill(2) }),
  },
  'token-response': {
    what: 'RFC 9578 TokenResponse parser (the type is the first input byte, odd: 0x0001, even: 0x0002)',
    parse: (b) => parseTokenResponse(b.subarray(1), (b[0] ?? 0) % 2 === 1 ? 1 : 2),
    sample: () => concat(Uint8Array.of(1), encodeTokenResponse({ tokenType: 1, evaluateMsg: new Uint8Array(49).fill(2), evaluateProof: new Uint8Array(96).fill(3) })),
  },
  'auth-header': {
    what: 'RFC 9577 WWW-Authenticate: PrivateToken parser',
    parse: (b) => parseWwwAuthenticate(latin1(b)),
    sample: () =>
      utf8(
        serializeWwwAuthenticate([
          privateTokenChallenge({ challenge: { tokenType: 1, issuerName: 'issuer.example', redemptionContext: new Uint8Array(0), originInfo: ['a.example'] }, tokenKey: new Uint8Array(49).fill(2), maxAge: 10 }),
        ]),
      ),
  },
  'voprf-element': {
    what: 'RFC 9497 P-384 element decoding (SerializeElement inverse)',
    parse: (b) => decodeElement(b, 'element'),
    sample: () => Uint8Array.from(Buffer.from('03' + 'aa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a385502f25dbf55296c3a545e3872760ab7', 'hex')),
  },
  'rsa-pss-spki': {
    what: 'RFC 9578 §6.5 RSASSA-PSS SubjectPublicKeyInfo parser',
    parse: parseRsaPssSpki,
    // A well-formed SPKI around a 2048-bit odd modulus (parsing does not factor it).
    sample: () => encodeRsaPssSpki((1n << 2047n) + 0x1234567n * 2n + 1n, 65537n),
  },
  'scenario-yaml': {
    what: 'scenario YAML loader (UTF-8, YAML, tags, aliases, schema)',
    parse: (b) => parseScenarioBytes(b, 'fuzz.yaml'),
    sample: () => new Uint8Array(readFileSync(resolveScenarioPath('default', process.cwd()))),
  },
};

/** `pph evidence verify --nvidia / --nvidia-list` in-process on the real NVIDIA vectors and the simulated GPU vendor. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { command } from '../../cli/commands/evidence.js';
import { fromHex, toHex } from '../../protocol/bytes.js';
import { SimGpuVendor } from '../../protocol/attestation/nvidia/sim-gpu.js';
import { ChaChaRng } from '../../sim/rng.js';
import { runCommand } from '../helpers/cli.js';
import { describeVectors, readVector, vectorPath } from '../helpers/vectors.js';

const tmp = mkdtempSync(join(tmpdir(), 'pph-evidence-nvidia-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const run = (argv: string[]) => runCommand(command, argv);
const nv = (...p: string[]): string => vectorPath('nvidia-gpu', ...p);
const AT = '2026-01-01T00:00:00Z';

interface JsonLine {
  file: string;
  ok: boolean;
  code: string | null;
  message: string;
  fields: Record<string, string | number | boolean | null> | null;
}

describeVectors('pph evidence verify --nvidia (real NVIDIA evidence)', () => {
  const hopper = ['verify', '--nvidia', nv('nvtrust', 'hopperAttestationReport.hex.txt'), '--chain', nv('nvtrust', 'hopperCertChain.pem'), '--at', AT];
  const hopperNonce = '931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb';

  it('nvtrust H100 with its nonce: exit 0, one readable line', async () => {
    const r = await run([...hopper, '--nonce', hopperNonce]);
    expect(r.code).toBe(0);
    expect(r.out).toHaveLength(1);
    expect(r.out[0]).toMatch(/hopperAttestationReport\.hex\.txt: OK HOPPER "GH100 A01 GSP FMC LF" driver 550\.90\.07 vbios 96\.00\.9F\.00\.01 · 64 measurements · fwid f5c384aebb579217… matches the leaf · nonce 931d8dd0.*\(checked\)/);
  });

  it('--json gives ok, code and the fields', async () => {
    const r = await run([...hopper, '--nonce', hopperNonce, '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out[0]!) as JsonLine;
    expect(j.ok).toBe(true);
    expect(j.code).toBeNull();
    expect(j.fields).toMatchObject({
      arch: 'HOPPER',
      request_nonce: hopperNonce,
      nonce_checked: true,
      response_nonce: 'b4b8a06aaaa35542839388e159d447a5d6f6194998fd86513e2d591ccf640985',
      measurement_blocks: 64,
      measurement_record_len: 3520,
      opaque_len: 422,
      driver_version: '550.90.07',
      project: '1010',
      chip_sku: '882',
      fwid: 'f5c384aebb579217a2c66b17ed0f28e6a9b8d639041acd7b4721cec004f7275494ba94bb5cdfdb3055ee051762b1f75d',
      trailing_bytes: 0,
    });
  });

  it('without --nonce: exit 0, the line says the nonce was not checked', async () => {
    const r = await run(hopper);
    expect(r.code).toBe(0);
    expect(r.out[0]).toMatch(/NOT checked/);
  });

  it('a wrong --nonce: exit 1 [nonce]', async () => {
    const r = await run([...hopper, '--nonce', '00'.repeat(32), '--json']);
    expect(r.code).toBe(1);
    expect((JSON.parse(r.out[0]!) as JsonLine).code).toBe('nonce');
  });

  it('Blackwell RTX PRO 6000 with its nonce: exit 0', async () => {
    const r = await run(['verify', '--nvidia', nv('trustee', 'blackwell_rtxpro6000_report.hex.txt'), '--chain', nv('trustee', 'blackwell_cert_chain.pem'), '--at', AT, '--nonce', '4cff7f5380ead8fad8ec2c531c110aca4302a88f603792801a8ca29ee151af2e']);
    expect(r.code).toBe(0);
    expect(r.out[0]).toMatch(/OK BLACKWELL "GB20X A01 GSP FMC LF" driver 595\.58\.03 vbios 98\.02\.81\.00\.01/);
  });

  it("trustee's report with one trailing 0x00: exit 1 [trailing-bytes]; --allow-trailing-zero: exit 0", async () => {
    const base = ['verify', '--nvidia', nv('trustee', 'hopper_coco_report1.hex.txt'), '--chain', nv('trustee', 'hopper_coco_certs1.pem'), '--at', AT, '--nonce', '87d8e24ab336adafe228d49e83d745f6dba4ae505372b6a5704820856b343fec'];
    const strict = await run(base);
    expect(strict.code).toBe(1);
    expect(strict.out[0]).toMatch(/REJECTED \[trailing-bytes\]/);
    const lenient = await run([...base, '--allow-trailing-zero']);
    expect(lenient.code).toBe(0);
    expect(lenient.out[0]).toMatch(/1 trailing 0x00 accepted/);
  });

  it('raw (binary) evidence works like hex; a tampered copy: exit 1 [signature]; a truncated one: exit 1 [parse]', async () => {
    const bytes = fromHex(Buffer.from(readVector('nvidia-gpu', 'nvtrust', 'hopperAttestationReport.hex.txt')).toString('utf8').trim());
    const raw = join(tmp, 'hopper.bin');
    writeFileSync(raw, bytes);
    const chain = nv('nvtrust', 'hopperCertChain.pem');
    expect((await run(['verify', '--nvidia', raw, '--chain', chain, '--at', AT, '--nonce', hopperNonce])).code).toBe(0);
    const tampered = bytes.slice();
    tampered[200]! ^= 1;
    writeFileSync(join(tmp, 'tampered.bin'), tampered);
    const t = await run(['verify', '--nvidia', join(tmp, 'tampered.bin'), '--chain', chain, '--at', AT, '--json']);
    expect(t.code).toBe(1);
    expect((JSON.parse(t.out[0]!) as JsonLine).code).toBe('signature');
    writeFileSync(join(tmp, 'short.hex'), toHex(bytes.subarray(0, 100)));
    const s = await run(['verify', '--nvidia', join(tmp, 'short.hex'), '--chain', chain, '--at', AT, '--json']);
    expect(s.code).toBe(1);
    expect((JSON.parse(s.out[0]!) as JsonLine).code).toBe('parse');
  });

  it("another GPU's chain: exit 1 [signature]; --root of the RIM root: exit 1 [chain]", async () => {
    const other = await run(['verify', '--nvidia', nv('nvtrust', 'hopperAttestationReport.hex.txt'), '--chain', nv('trustee', 'hopper_coco_certs1.pem'), '--at', AT]);
    expect(other.code).toBe(1);
    expect(other.out[0]).toMatch(/REJECTED \[signature\]/);
    const wrongRoot = await run([...hopper, '--root', nv('nvtrust', 'verifier_RIM_root.pem')]);
    expect(wrongRoot.code).toBe(1);
    expect(wrongRoot.out[0]).toMatch(/REJECTED \[chain\]/);
  });

  it('the 8-GPU NRAS list with its nonce: exit 0, one line per GPU', async () => {
    const r = await run(['verify', '--nvidia-list', nv('nvtrust', 'ppcie-hgx8-gpu_evidence.json'), '--at', AT, '--nonce', '4760e30534a0621357d458b1a7936551b5dc4cd1e69718adf7ed9fb0252a537e']);
    expect(r.code).toBe(0);
    expect(r.out).toHaveLength(8);
    r.out.forEach((l, i) => expect(l).toMatch(new RegExp(`ppcie-hgx8-gpu_evidence\\.json\\[${i}\\]: OK HOPPER .* driver 590\\.12 vbios 96\\.00\\.A5\\.00\\.01`)));
  });

  it('a list with one item tampered: exit 1, only that item rejected; a list that is not JSON: exit 1 [parse]', async () => {
    const items = JSON.parse(Buffer.from(readVector('nvidia-gpu', 'nvtrust', 'ppcie-hgx8-gpu_evidence.json')).toString('utf8')) as { evidence: string }[];
    const ev = Buffer.from(items[6]!.evidence, 'base64');
    ev[62]! ^= 1; // inside the first measurement value
    items[6]!.evidence = ev.toString('base64');
    writeFileSync(join(tmp, 'list.json'), JSON.stringify(items));
    const r = await run(['verify', '--nvidia-list', join(tmp, 'list.json'), '--at', AT, '--json']);
    expect(r.code).toBe(1);
    const lines = r.out.map((l) => JSON.parse(l) as JsonLine);
    expect(lines.map((l) => l.code)).toEqual([null, null, null, null, null, null, 'signature', null]);
    writeFileSync(join(tmp, 'bad.json'), '{"not": "a list"}');
    const bad = await run(['verify', '--nvidia-list', join(tmp, 'bad.json'), '--at', AT]);
    expect(bad.code).toBe(1);
    expect(bad.out[0]).toMatch(/REJECTED \[parse\]/);
  });

  it('usage errors and unreadable files: exit 2', async () => {
    const ev = nv('nvtrust', 'hopperAttestationReport.hex.txt');
    expect((await run(['verify', '--nvidia', ev, '--at', AT])).code).toBe(2); // no --chain
    expect((await run([...hopper, '--nonce', 'zz'])).code).toBe(2);
    expect((await run([...hopper, '--nonce', 'abcd'])).code).toBe(2); // not 32 bytes
    expect((await run([...hopper.slice(0, -2), '--at', 'yesterday'])).code).toBe(2);
    expect((await run([...hopper.slice(0, -2), '--at', '2025-02-30T00:00:00Z'])).code).toBe(2);
    expect((await run([...hopper.slice(0, -2), '--at', '2025-06-01T00:00:00+02:00'])).code).toBe(0);
    expect((await run(['verify', '--nvidia', join(tmp, 'missing.bin'), '--chain', nv('nvtrust', 'hopperCertChain.pem')])).code).toBe(2);
    expect((await run(['verify', '--nvidia', ev, '--chain', join(tmp, 'missing.pem')])).code).toBe(2);
    writeFileSync(join(tmp, 'notpem.pem'), 'hello');
    expect((await run(['verify', '--nvidia', ev, '--chain', join(tmp, 'notpem.pem')])).code).toBe(2);
    expect((await run([...hopper, '--root', join(tmp, 'notpem.pem')])).code).toBe(2);
    expect((await run(['verify', '--nvidia-list', nv('nvtrust', 'ppcie-hgx8-gpu_evidence.json'), '--chain', nv('nvtrust', 'hopperCertChain.pem')])).code).toBe(2);
    expect((await run([...hopper, 'extra-positional'])).code).toBe(2);
  });
});

describe('pph evidence verify --nvidia (simulated GPU vendor, --root)', () => {
  const rng = ChaChaRng.fromSeed('cli-nvidia');
  const vendor = SimGpuVendor.create(rng.fork('vendor'));
  const gpu = vendor.provisionGpu(rng.fork('gpu'));
  const nonce = rng.fork('nonce').bytes(32);
  writeFileSync(join(tmp, 'sim.hex'), toHex(gpu.attest(nonce, rng.fork('attest'))));
  writeFileSync(join(tmp, 'sim-chain.pem'), gpu.chainPem());
  writeFileSync(join(tmp, 'sim-root.pem'), gpu.chainPem().split('-----END CERTIFICATE-----\n')[2] + '-----END CERTIFICATE-----\n');
  const base = ['verify', '--nvidia', join(tmp, 'sim.hex'), '--chain', join(tmp, 'sim-chain.pem'), '--at', AT, '--nonce', toHex(nonce)];

  it('with --root of the simulated vendor: exit 0; pinned to NVIDIA by default: exit 1 [chain]', async () => {
    const ok = await run([...base, '--root', join(tmp, 'sim-root.pem')]);
    expect(ok.code).toBe(0);
    expect(ok.out[0]).toMatch(/OK GPU "PPH-SIM A01 GSP FMC LF" driver 550\.90\.07 vbios 96\.00\.01\.00\.01 · 16 measurements/);
    const pinned = await run(base);
    expect(pinned.code).toBe(1);
    expect(pinned.out[0]).toMatch(/REJECTED \[chain\]/);
  });
});

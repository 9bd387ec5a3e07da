/**
 * 4. metadata-correlation (THREATS.md): a passive coalition of the relay and the gateway. The relay
 * sees each client's address, send time and size; the gateway sees arrival time and size. It
 * links them with the timing-and-size matcher of adversaries/metadata (the same code that
 * `pph metadata` runs on a million synthetic requests) and claims each link; the simulator
 * scores the claims against ground truth. Outside the trust model: relay + gateway colluding
 * must show as an *expected* `unlinkability` violation, with its accuracy measured.
 */
import fc from 'fast-check';
import type { Adversary } from '../sim/adversary.js';
import { linkObservations, SIM_DEFAULT_MODEL, type ClientObservation, type GatewayObservation } from './metadata/link.js';

export interface CorrelationPlan {
  /** The delay window the coalition assumes between the two observations (ms). */
  windowMs: number;
}

export const metadataCorrelation: Adversary<CorrelationPlan> = {
  name: 'metadata-correlation',
  description: 'relay and gateway colluding link client addresses to requests by timing and size',
  positions: ['relay', 'gateway'],
  marks: ['coalition.link-right'],
  plan: () => fc.record({ windowMs: fc.integer({ min: 10, max: 200 }) }),
  install(powers, plan) {
    const clientSide: ClientObservation[] = [];
    const gatewaySide: (GatewayObservation & { id: number })[] = [];
    powers.tap('client-relay', (m) => {
      if (m.to === 'relay') clientSide.push({ addr: powers.clientAddressOf(m), tMs: powers.now(), size: m.bytes.length });
      return [];
    });
    powers.tap('relay-gateway', (m) => {
      if (m.to === 'gateway') gatewaySide.push({ id: m.id, tMs: powers.now(), size: m.bytes.length });
      return [];
    });
    state.set(powers, { clientSide, gatewaySide, plan });
  },
  finish(powers) {
    const s = state.get(powers);
    if (!s || s.gatewaySide.length === 0) return;
    const { links } = linkObservations(s.clientSide, s.gatewaySide, { ...SIM_DEFAULT_MODEL, delayMsMax: s.plan.windowMs });
    links.forEach((l, g) => {
      if (l.addr !== null) powers.claimLink(s.gatewaySide[g]!.id, l.addr);
    });
  },
};

const state = new WeakMap<object, { clientSide: ClientObservation[]; gatewaySide: (GatewayObservation & { id: number })[]; plan: CorrelationPlan }>();

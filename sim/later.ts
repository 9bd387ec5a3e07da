/**
 * The `later` position (THREATS.md): after the run, every node restarts and the adversary seizes
 * the long-term keys (gateway OHTTP key, log key, vendor keys, each node's key after restart) and
 * replays the traffic it recorded on the relay→gateway and gateway→node links. Whatever opens is
 * recorded; `forward-secrecy` and `confidentiality` scan it for canaries.
 */
import { decapsulateRequest } from '../protocol/ohttp.js';
import { decodeRequest } from '../protocol/bhttp.js';
import { openInnerRequest } from '../protocol/inner-session.js';
import type { World } from './world.js';

export function seizeLater(world: World): void {
  const fs = { attempts: 0 };
  const opened = (what: string, bytes: Uint8Array, event: number) => {
    const f = world.observer.find(bytes);
    world.observer.fact('later', 'seized-open', { what, req: f.req, chat: f.chat }, `${what} opens recorded message of event ${event}${f.req.length ? `: ${f.req.join(', ')}` : ''}`);
  };
  for (const n of world.nodes) n.restart();
  world.scheduler.runUntilIdle();
  const nodeKeys = world.nodes.map((n) => ({ name: n.enclaveName, key: n.seizeKey() })).filter((k) => k.key !== null);
  world.seizedNodeKeys = nodeKeys.map((k) => ({ name: k.name, key: k.key! }));
  const seized = ['gateway-ohttp', 'log', 'vendor', ...nodeKeys.map((k) => `${k.name} (after restart)`)];
  for (const { link, bytes, event } of world.recorded) {
    fs.attempts++;
    const e = { i: event };
    let inner: Uint8Array | null = null;
    if (link === 'gateway-node') inner = bytes.subarray(1);
    else {
      try {
        const { request } = decapsulateRequest(world.keys.gateway, bytes);
        const bhttp = decodeRequest(request);
        opened('gateway OHTTP key', request, e.i);
        inner = bhttp.body;
      } catch {
        continue;
      }
    }
    for (const k of nodeKeys) {
      try {
        const { plaintext } = openInnerRequest(k.key!, k.name, inner);
        opened(`${k.name} key`, plaintext, e.i);
      } catch {
        // The key after restart does not open past traffic: that is the property.
        world.mark('later.past-traffic-stays-closed');
      }
    }
  }
  world.observer.fact('later', 'seized', { keys: seized, attempts: fs.attempts });
}

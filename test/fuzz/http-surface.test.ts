import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fuzz } from './fuzz-loop.js';
import { fuzzCase } from './http/cases.js';
import { assertOwnerUnaffected, ownerView, type OwnerView } from './http/owner-state.js';
import { runCase } from './http/run-case.js';
import { createWorld, HELD_GATE, initialize, type World } from './http/world.js';
import { fuzzSettings } from './settings.js';

/**
 * Property-based fuzz of the JSON-RPC surface over real HTTP: random and mutated requests for every method,
 * from callers who are not alice, against a host where alice's tasks sit in every state. Every request is a
 * client mistake or a valid request, so none may get a 5xx or -32603, and no answer may carry a token or an
 * internal detail; afterwards alice's tasks are as they were and the host still serves.
 */
const settings = fuzzSettings(1000);

describe('fuzz: the JSON-RPC surface over real HTTP', () => {
  let world: World;
  let aliceBefore: OwnerView;

  before(async () => {
    world = await createWorld();
    aliceBefore = await ownerView(world);
  });
  after(async () => {
    await world.close();
  });

  it(`answers ${settings.runs} generated requests without a 5xx, a -32603, a leak or a wrong code (seed ${settings.seed})`, async () => {
    console.log(`http fuzz: seed ${settings.seed}, ${settings.runs} requests${settings.collect ? ', collecting every kind of finding' : ''} (TASKGUARD_FUZZ_SEED replays)`);
    await fuzz(settings, fuzzCase, (c) => runCase(c, world), 'requests sent, by method and outcome (http status, json-rpc code)');
  });

  it('leaves alice\'s tasks as they were, and hers to use', async () => {
    await assertOwnerUnaffected(world, aliceBefore, HELD_GATE);
  });

  it('still answers a valid request', async () => {
    const session = await initialize(world.send, world.url, world.attackers.mallory.token);
    assert.match(session, /^[0-9a-f-]{36}$/);
    const alice = await world.stack.connect({ sub: 'alice' });
    const { tools } = await alice.client.listTools();
    assert.equal(tools.length, 5);
  });
});

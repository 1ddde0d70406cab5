// Resolvers that have their answer in hand give it as a value: graphql-js completes a promise, and the object
// holding it, through promises of its own (bench/notes.md step 40).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type FieldNode, type GraphQLResolveInfo, Kind, parse } from 'graphql';
import type { Context } from '../../src/api/context.js';
import { d3fendResolvers } from '../../src/api/resolvers/d3fend.js';

/** The resolver info of the one field of `{ field { ... } }`: what onlyFields reads. */
const infoFor = (selection: string) => {
  const operation = parse(`{ ${selection} }`).definitions[0];
  assert.ok(operation?.kind === Kind.OPERATION_DEFINITION);
  return { fieldNodes: [operation.selectionSet.selections[0] as FieldNode] } as unknown as GraphQLResolveInfo;
};

type Resolve = (parent: unknown, args: unknown, ctx: Context, info: GraphQLResolveInfo) => unknown;
const isPromise = (value: unknown) => typeof (value as { then?: unknown } | null)?.then === 'function';
// The paths below never reach a loader: a context without any shows that no read is made.
const noReads = {} as Context;

describe('resolvers with their answer in hand', () => {
  it("a countermeasure's tactic name comes from its node, as a value", () => {
    assert.ok(d3fendResolvers.D3fendTechnique);
    const tactic = d3fendResolvers.D3fendTechnique.tactic as Resolve;
    const answer = tactic({ tactic: 'Isolate' }, {}, noReads, infoFor('tactic { name }'));
    assert.ok(!isPromise(answer));
    assert.deepEqual(answer, { name: 'Isolate' });
    assert.equal(tactic({ tactic: null }, {}, noReads, infoFor('tactic { name }')), null);
  });

  it("a path's artifacts come from the path when only their ids and names are asked, as values", () => {
    const path = {
      offensiveArtifact: 'AccessToken',
      offensiveArtifactName: 'Access Token',
      defensiveArtifact: 'AuthenticationLog',
      defensiveArtifactName: 'Authentication Log',
    };
    const resolvers = d3fendResolvers.CountermeasurePath;
    assert.ok(resolvers);
    const offensive = (resolvers.offensiveArtifact as Resolve)(
      path,
      {},
      noReads,
      infoFor('offensiveArtifact { id name }'),
    );
    const defensive = (resolvers.defensiveArtifact as Resolve)(
      path,
      {},
      noReads,
      infoFor('defensiveArtifact { name }'),
    );
    assert.ok(!isPromise(offensive) && !isPromise(defensive));
    assert.deepEqual(offensive, { id: 'AccessToken', name: 'Access Token' });
    assert.deepEqual(defensive, { id: 'AuthenticationLog', name: 'Authentication Log' });
  });
});

// Which large properties a request reads: the fields an operation selects, by type, through fragments and interfaces.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildSchema, parse } from 'graphql';
import { fieldsByType, LAZY_PROPERTIES, omittedByLabel } from '../../src/api/projection.js';
import { loadTypeDefs } from '../../src/api/schema.js';
import { RELATIONS, type RelationName, targetLabel } from '../../src/graph/relations.js';

const schema = buildSchema(loadTypeDefs().join('\n'));
const omitted = (query: string) => omittedByLabel(fieldsByType(schema, parse(query)));

describe('projection of large properties', () => {
  it('keeps a property only for the types whose selection shows it', () => {
    const omit = omitted(`{ technique(id: "T1") { description mitigations { id } groups { nodes { name } } } }`);
    assert.ok(!omit.Technique?.includes('description'));
    assert.ok(omit.Mitigation?.includes('description'));
    assert.ok(omit.Group?.includes('description'));
    assert.ok(omit.SigmaRule?.includes('yaml'));
    assert.ok(omit.D3fendTechnique?.includes('kbArticle'));
  });

  it('applies fields selected on an interface to every label', () => {
    const omit = omitted('{ technique(id: "T1") { groups { nodes { ... on AttackObject { description } } } } }');
    assert.ok(!omit.Group?.includes('description'));
    assert.ok(!omit.Mitigation?.includes('description'));
    assert.ok(omit.SigmaRule?.includes('yaml'));
  });

  it('follows named and inline fragments', () => {
    const omit = omitted(`
      query { technique(id: "T1") { ...T } search(text: "x") { node { ... on SigmaRule { yaml } } } }
      fragment T on Technique { countermeasures { technique { kbArticle definition } } }`);
    assert.ok(!omit.D3fendTechnique?.includes('kbArticle'));
    assert.ok(!omit.D3fendTechnique?.includes('definition'));
    assert.ok(!omit.SigmaRule?.includes('yaml'));
    assert.ok(omit.Technique?.includes('description'));
    // The search union's members are concrete types here, so `yaml` is kept for Sigma rules only.
    assert.ok(omit.AtomicTest?.includes('description'));
  });

  it('never leaves out a property that a field of the schema shows', () => {
    const fields = new Set<string>();
    for (const type of Object.values(schema.getTypeMap())) {
      if ('getFields' in type && !type.name.startsWith('__'))
        for (const name of Object.keys(type.getFields())) fields.add(name);
    }
    for (const [property, shownBy] of Object.entries(LAZY_PROPERTIES)) {
      for (const field of shownBy) assert.ok(fields.has(field), `${property} is shown by a field ${field} that exists`);
    }
  });

  it('knows the label every relation leads to', () => {
    for (const name of Object.keys(RELATIONS) as RelationName[]) assert.ok(targetLabel(name));
  });
});

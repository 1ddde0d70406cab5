// Which stored properties a request reads: the fields an operation selects, by type, through fragments and interfaces.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildSchema, isObjectType, parse } from 'graphql';
import {
  FIELD_PROPERTIES,
  fieldsByType,
  keepEdgeFor,
  keptByField,
  keptByLabel,
  keptEdgeProperties,
  LAZY_EDGE_PROPERTIES,
  omittedEdgeProperties,
  type Projection,
  RELATED_PROPERTIES,
} from '../../src/api/projection.js';
import { loadTypeDefs } from '../../src/api/schema.js';
import { BASE_PROPERTIES, NODE_KEYS } from '../../src/graph/model.js';
import { RELATIONS, type RelationName, targetLabel } from '../../src/graph/relations.js';

const schema = buildSchema(loadTypeDefs().join('\n'));
const kept = (query: string) => keptByLabel(schema, fieldsByType(schema, parse(query)));

describe('projection of stored properties', () => {
  it('reads a property only for the types whose selection shows it', () => {
    const keep = kept(`{ technique(id: "T1") { description mitigations { id } groups { nodes { name } } } }`);
    assert.ok(keep.Technique?.includes('description'));
    assert.ok(!keep.Technique?.includes('detection'));
    assert.ok(!keep.Mitigation?.includes('description'));
    assert.ok(!keep.Group?.includes('description'));
    assert.ok(!keep.SigmaRule?.includes('yaml'));
    assert.ok(!keep.D3fendTechnique?.includes('kbArticle'));
  });

  it('always reads what identifies a node and tells whether it is current, of the base properties its label stores', () => {
    const keep = kept('{ technique(id: "T1") { id } }');
    for (const label of Object.keys(NODE_KEYS) as (keyof typeof NODE_KEYS)[]) {
      for (const property of [NODE_KEYS[label], ...BASE_PROPERTIES[label]]) {
        assert.ok(keep[label]?.includes(property), `${label} keeps ${property}`);
      }
    }
    for (const property of ['id', 'name', 'revoked', 'deprecated']) assert.ok(keep.Technique?.includes(property));
    // A Sigma rule has a title, not a name, and no revoked or deprecated flag: asking for them costs Neo4j a walk
    // through all of the rule's properties each.
    assert.deepEqual(keep.SigmaRule, ['id', 'uid']);
    assert.ok(!keep.AtomicTest?.includes('revoked'));
  });

  it('applies fields selected on an interface to every label', () => {
    const keep = kept('{ technique(id: "T1") { groups { nodes { ... on AttackObject { description } } } } }');
    assert.ok(keep.Group?.includes('description'));
    assert.ok(keep.Mitigation?.includes('description'));
    assert.ok(!keep.SigmaRule?.includes('yaml'));
  });

  it('follows named and inline fragments', () => {
    const keep = kept(`
      query { technique(id: "T1") { ...T } search(text: "x") { node { ... on SigmaRule { yaml } } } }
      fragment T on Technique { countermeasures { technique { kbArticle definition } } }`);
    assert.ok(keep.D3fendTechnique?.includes('kbArticle'));
    assert.ok(keep.D3fendTechnique?.includes('definition'));
    assert.ok(keep.SigmaRule?.includes('yaml'));
    assert.ok(!keep.Technique?.includes('description'));
    assert.ok(!keep.AtomicTest?.includes('description'));
  });

  it('reads for each relation field only what its own selection needs', () => {
    const byField = keptByField(
      schema,
      parse(`{ technique(id: "T1") {
        description
        subtechniques { id name parent { description } }
        groups { nodes { name ... on AttackObject { aliases: description } } }
        sigmaRules { nodes { title } }
        countermeasures { technique { name tactic { name } } }
      } }`),
    );
    // The root technique's description is not its sub-techniques' (one level down), but is their parent's (two down).
    assert.ok(!byField['Technique.subtechniques']?.Technique?.includes('description'));
    assert.ok(byField['Technique.subtechniques']?.Technique?.includes('id'));
    assert.ok(byField['Technique.parent']?.Technique?.includes('description'));
    // Fields through a connection and an interface belong to the relation field above them.
    assert.ok(byField['Technique.groups']?.Group?.includes('description'));
    // Base and key properties, and what the field's resolver reads of what it returns (RELATED_PROPERTIES).
    assert.ok(byField['Technique.sigmaRules']?.SigmaRule?.includes('uid'));
    assert.ok(!byField['Technique.sigmaRules']?.SigmaRule?.includes('yaml'));
    // What a rule filter tests is read only where the field is given a filter.
    assert.ok(!byField['Technique.sigmaRules']?.SigmaRule?.includes('levelRank'));
    const filtered = keptByField(
      schema,
      parse(
        'query($f: SigmaRuleFilter) { technique(id: "T1") { a: sigmaRules { nodes { id } } b: sigmaRules(filter: $f) { nodes { title } } } }',
      ),
    );
    assert.ok(filtered['Technique.sigmaRules']?.SigmaRule?.includes('levelRank'));
    assert.ok(filtered['Technique.sigmaRules']?.SigmaRule?.includes('product'));
    assert.ok(byField['Technique.countermeasures']?.D3fendTechnique?.includes('tactic'));
    assert.ok(!byField['Technique.countermeasures']?.D3fendTechnique?.includes('kbArticle'));
    // With named fragments the fields are not under one relation field: every read uses its label's properties.
    const withFragment = keptByField(
      schema,
      parse('query { technique(id: "T1") { ...T } } fragment T on Technique { subtechniques { description } }'),
    );
    assert.deepEqual(withFragment, {});
  });

  it('reads the properties a computed field and the resolvers of related nodes need', () => {
    const keep = kept(`{ technique(id: "T1") {
      coverage { sigmaRules } countermeasures { technique { id } }
      sigmaRules(filter: { minLevel: HIGH }) { nodes { logsource { product } } }
    } }`);
    // With no filter, the counts the seed stored; each rule's and test's facts only with a filter.
    for (const counts of ['coverageSigmaCounts', 'coverageAtomicTests', 'coverageCountermeasures']) {
      assert.ok(keep.Technique?.includes(counts), counts);
    }
    for (const facts of ['coverageSigmaLevels', 'coverageSigmaProducts', 'coverageAtomicPlatforms']) {
      assert.ok(!keep.Technique?.includes(facts), facts);
    }
    const filtered = kept(
      '{ technique(id: "T1") { coverage(filter: { sigmaProducts: ["windows"] }) { sigmaRules } } }',
    );
    for (const facts of ['coverageSigmaProducts', 'coverageSigmaLevels', 'coverageSigmaCounts']) {
      assert.ok(filtered.Technique?.includes(facts), facts);
    }
    assert.ok(keep.D3fendTechnique?.includes('tactic'));
    assert.ok(keep.SigmaRule?.includes('levelRank'));
    assert.ok(keep.SigmaRule?.includes('product'));
    assert.ok(!keep.SigmaRule?.includes('products'));
    assert.ok(!kept('{ technique(id: "T1") { sigmaRules { nodes { id } } } }').SigmaRule?.includes('levelRank'));
  });

  it('reads no property for a relation or computed field (the node has none of that name)', () => {
    const keep = kept(
      '{ technique(id: "T1") { name tactics { id } coverage { sigmaRules } sigmaRules { totalCount } } }',
    );
    assert.ok(keep.Technique?.includes('name'));
    for (const field of ['tactics', 'coverage', 'sigmaRules']) assert.ok(!keep.Technique?.includes(field), field);
  });

  it('reads of a relation return only the edge properties its resolvers read, and no large one unless shown', () => {
    const projection = (query: string): Projection => {
      const selected = fieldsByType(schema, parse(query));
      return { keep: {}, keepByField: {}, keepEdge: keptEdgeProperties(selected), selected };
    };
    const plain = projection('{ technique(id: "T1") { tactics { id } groups { nodes { id } } } }');
    assert.deepEqual(keepEdgeFor(plain, 'techniqueTactics'), []);
    assert.deepEqual(keepEdgeFor(plain, 'techniqueGroups'), ['revoked', 'deprecated']);
    assert.deepEqual(keepEdgeFor(plain, 'techniqueCountermeasures'), []);
    const shown = projection(
      '{ technique(id: "T1") { groups { edges { description } } countermeasures { paths { via } } } }',
    );
    assert.deepEqual(keepEdgeFor(shown, 'techniqueGroups'), ['revoked', 'deprecated', 'description']);
    assert.deepEqual(keepEdgeFor(shown, 'techniqueCountermeasures'), ['paths']);
    // An operation not known yet (no projection): every property of the edges.
    assert.equal(keepEdgeFor({ keep: {}, keepByField: {}, keepEdge: null, selected: null }, 'techniqueGroups'), null);
  });

  it('leaves the counter paths of edges out unless a path is selected', () => {
    const omitted = (query: string) => omittedEdgeProperties(fieldsByType(schema, parse(query)));
    assert.deepEqual(omitted('{ technique(id: "T1") { countermeasures { technique { id } } } }'), [
      'paths',
      'description',
    ]);
    assert.deepEqual(omitted('{ technique(id: "T1") { countermeasures { paths { via } } } }'), ['description']);
    // A procedure description is read for the edges of a connection that show it, not for a node's description.
    assert.deepEqual(omitted('{ technique(id: "T1") { description groups { nodes { id } } } }'), [
      'paths',
      'description',
    ]);
    assert.deepEqual(omitted('{ technique(id: "T1") { groups { edges { description } } } }'), ['paths']);
  });

  it('names only types and fields that the schema has', () => {
    const fieldsOf = (type: string) => {
      const found = schema.getType(type);
      return found && 'getFields' in found ? Object.keys(found.getFields()) : [];
    };
    for (const [type, fields] of Object.entries(FIELD_PROPERTIES)) {
      for (const field of Object.keys(fields)) {
        const [name = '', argument] = field.replace(')', '').split('(');
        assert.ok(fieldsOf(type).includes(name), `${type}.${field}`);
        const found = schema.getType(type);
        if (argument) assert.ok(isObjectType(found) && found.getFields()[name]?.args.some((a) => a.name === argument));
      }
    }
    for (const [key, labels] of Object.entries(RELATED_PROPERTIES)) {
      const [, type = '', field = '', argument] = /^(\w+)\.(\w+)(?:\((\w+)\))?$/.exec(key) ?? [];
      assert.ok(fieldsOf(type).includes(field), key);
      if (argument) {
        const found = schema.getType(type);
        const args = isObjectType(found) ? (found.getFields()[field]?.args ?? []) : [];
        assert.ok(
          args.some((arg) => arg.name === argument),
          key,
        );
      }
      for (const label of Object.keys(labels)) assert.ok(label in NODE_KEYS, `${key}: ${label}`);
    }
    // Every connection edge type that shows a relationship's description is listed (else it would come back empty).
    const edgeTypes = Object.keys(schema.getTypeMap()).filter(
      (type) => type.endsWith('Edge') && fieldsOf(type).includes('description'),
    );
    assert.ok(edgeTypes.length > 0);
    assert.deepEqual(
      edgeTypes.filter((type) => !LAZY_EDGE_PROPERTIES.description?.includes(`${type}.description`)),
      [],
    );
    for (const shownBy of Object.values(LAZY_EDGE_PROPERTIES)) {
      for (const typeField of shownBy) {
        const [type = '', field = ''] = typeField.split('.');
        assert.ok(fieldsOf(type).includes(field), typeField);
      }
    }
  });

  it('knows the label every relation leads to', () => {
    for (const name of Object.keys(RELATIONS) as RelationName[]) assert.ok(targetLabel(name));
  });
});

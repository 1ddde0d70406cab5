// Per-request context: the DataLoaders through which every resolver reaches the graph.
import DataLoader from 'dataloader';
import { type ClaimRow, readClaimedTechniques, readClaims } from '../graph/claims.js';
import type { Graph } from '../graph/driver.js';
import {
  type InventoryRow,
  type RuleLogSource,
  type RuleScope,
  readInventory,
  readRuleLogSources,
} from '../graph/logsources.js';
import { NODE_KEYS, type NodeLabel, SEARCH_LABELS } from '../graph/model.js';
import {
  type GraphNode,
  type ListFilter,
  type Related,
  type RelationName,
  readNodes,
  readNodesWithRelated,
  readPage,
  readRelatedBatches,
  readTactic,
  readTactics,
} from '../graph/read.js';
import { type CoverageRow, type CoverageScope, readCoverageRows } from '../graph/read-coverage.js';
import { readArtifactPage, readD3fendTactics, readD3fendTechniquePage } from '../graph/read-d3fend.js';
import {
  type EvidenceRows,
  type ReleaseRow,
  readEvidence,
  readReleaseCatalogue,
  readReleases,
  type TacticVersionRow,
  type TechniqueVersionRow,
} from '../graph/read-releases.js';
import { readReportData } from '../graph/read-report.js';
import { readAtomicPage, readSigmaPage, type SigmaFilter } from '../graph/read-rules.js';
import { readSearch, type SearchRow } from '../graph/read-search.js';
import { type DatasetRow, readDatasets } from '../graph/read-state.js';
import { targetLabel } from '../graph/relations.js';
import type { TechniqueReportData } from '../report/technique.js';
import type { AnswerKind } from './cache.js';
import { keepEdgeFor, keepFor, keepForAll, type Projection } from './projection.js';

/** Loaders built for one request and dropped with it, so nothing is cached across requests. */
export interface Loaders {
  /**
   * Related nodes of a parent (by the key of the relation's parent label) through relation `name`, for GraphQL field
   * `field` (`Type.field`) when a resolver says which: one query per tick for all relations.
   */
  related(name: RelationName, field?: string): { load(key: string): Promise<Related[]> };
  /**
   * A node by id, with the relations its selected relation `fields` (`Type.field`) read: one statement per tick for
   * all lookups of a label with the same fields (aliased lookups batch); the relations wait in the `related` loader
   * for those fields' resolvers.
   */
  nodeWithRelated(
    label: NodeLabel,
    key: string,
    fields: readonly { name: RelationName; field: string }[],
  ): Promise<GraphNode | null>;
  /** Nodes of a label by ATT&CK id or STIX id: one batched query per label per tick. */
  node(label: NodeLabel): DataLoader<string, GraphNode | null>;
  /**
   * One page of a filtered list (top-level list fields), with the relations its nodes' selected relation `fields`
   * read, in the same statement (see nodeWithRelated).
   */
  page(
    label: NodeLabel,
    filter: ListFilter,
    skip: number,
    limit: number,
    fields?: readonly { name: RelationName; field: string }[],
  ): Promise<{ total: number; nodes: GraphNode[] }>;
  /** The tactics of a domain in matrix order (top-level field). */
  tactics(domain: string, includeDeprecated: boolean): Promise<GraphNode[]>;
  /** A tactic by id, STIX id or short name within a domain (top-level field). */
  tactic(key: string, domain: string): Promise<GraphNode | null>;
  datasets(): Promise<DatasetRow[]>;
  /** The ATT&CK release catalogues in the graph, read once per request. */
  releases(): Promise<ReleaseRow[]>;
  /** One release's techniques and tactics, by its Dataset name. */
  releaseCatalogue(name: string): Promise<{ techniques: TechniqueVersionRow[]; tactics: TacticVersionRow[] }>;
  /** Every rule's and test's technique ids and every countermeasure's ATT&CK ids, read once per request. */
  evidence(): Promise<EvidenceRows>;
  /** The imported coverage claims, read once per request. */
  claims(): Promise<ClaimRow[]>;
  /** STIX ids of the techniques any of the named claims claims, once per set of names. */
  claimedTechniques(names: string[]): Promise<Set<string>>;
  /** The declared log-source inventory, read once per request. */
  inventory(): Promise<InventoryRow>;
  /** The Sigma rules that count under a filter, with their log sources and techniques, once per filter. */
  ruleLogSources(scope: RuleScope): Promise<RuleLogSource[]>;
  /** The D3FEND tactics in display order, read once per request. */
  d3fendTactics(): Promise<GraphNode[]>;
  d3fendTechniquePage: (
    filter: { tactic: string | null; text: string | null; includeDeprecated: boolean },
    skip: number,
    limit: number,
  ) => Promise<{ total: number; nodes: GraphNode[] }>;
  artifactPage: (
    filter: { text: string | null },
    skip: number,
    limit: number,
  ) => Promise<{ total: number; nodes: GraphNode[] }>;
  /**
   * Every technique of a domain with its coverage counts under a filter: one query. `perTechnique` false leaves out
   * what only lists of techniques show (names, platforms, and the groups using each when there is no profile).
   */
  coverageRows: (scope: CoverageScope, perTechnique?: boolean) => Promise<CoverageRow[]>;
  search: (text: string, labels: string[] | null, first: number) => Promise<SearchRow[]>;
  /** Report data by ATT&CK technique id: one batch of queries per tick. */
  report: DataLoader<string, TechniqueReportData | null>;
  sigmaPage: (filter: SigmaFilter, skip: number, limit: number) => Promise<{ total: number; nodes: GraphNode[] }>;
  atomicPage: (
    filter: { technique: string | null; platform: string | null; executor: string | null },
    skip: number,
    limit: number,
  ) => Promise<{ total: number; nodes: GraphNode[] }>;
}

export interface Context {
  graph: Graph;
  loaders: Loaders;
  /** Whether this request may write (mutations): API keys are configured and it carried one. */
  writable: boolean;
  /**
   * Per label, the node properties that reads return: those the operation needs (set by the projection plugin once
   * the operation is parsed; empty, i.e. read everything, until then). An object of its own because Apollo Server
   * gives resolvers a shallow copy of the context.
   */
  projection: Projection;
  /** What the operation turned out to be, for the response cache (an object: see `projection`). */
  answer: AnswerKind;
}

/** How a request's loaders reach the graph. */
export interface ContextOptions {
  /**
   * False turns batching and per-request caching off: one query per parent and field, as naive resolvers would do.
   * Only the benchmark uses it, to show what batching buys.
   */
  batching?: boolean;
  /** Whether mutations may write: only when API keys are configured (the request then carried a valid one). */
  writable?: boolean;
}

/** Builds a request's context; loaders are created lazily, one per relation or label used. */
export function createContext(graph: Graph, options: ContextOptions = {}): Context {
  const nodes = new Map<NodeLabel, DataLoader<string, GraphNode | null>>();
  const batching = options.batching ?? true;
  const loaderOptions = { maxBatchSize: 1000, batch: batching, cache: batching };
  let d3fendTactics: Promise<GraphNode[]> | null = null;
  let releases: Promise<ReleaseRow[]> | null = null;
  let evidence: Promise<EvidenceRows> | null = null;
  let inventory: Promise<InventoryRow> | null = null;
  let claims: Promise<ClaimRow[]> | null = null;
  const claimed = new Map<string, Promise<Set<string>>>();
  const ruleLogSources = new Map<string, Promise<RuleLogSource[]>>();
  const coverageRows = new Map<string, Promise<CoverageRow[]>>();
  // The loaders read `keep` when they run, after the projection plugin has set it.
  const projection: Projection = { keep: {}, keepByField: {}, keepEdge: null, selected: null };
  const keep = (label: string, field?: string) => keepFor(projection, label, field);
  // Every relation field of a tick in one statement: one UNION ALL branch per relation and 1000 parent keys.
  // A relation loaded for a GraphQL field (`Type.field`) reads the properties that field's selection needs.
  const related = new DataLoader<{ name: RelationName; key: string; field?: string }, Related[], string>(
    async (requests) => {
      const groups = new Map<string, { name: RelationName; field?: string; positions: number[] }>();
      for (const [i, { name, field }] of requests.entries()) {
        const id = `${name}\u0000${field ?? ''}`;
        const group = groups.get(id) ?? { name, field, positions: [] };
        group.positions.push(i);
        groups.set(id, group);
      }
      const branches = [...groups.values()].flatMap(({ name, field, positions }) =>
        chunks(positions, 1000).map((chunk) => ({ name, field, positions: chunk })),
      );
      const results = await readRelatedBatches(
        graph,
        branches.map(({ name, field, positions }) => ({
          name,
          keys: positions.map((i) => requests[i]?.key ?? ''),
          keep: keep(targetLabel(name), field),
          keepEdge: keepEdgeFor(projection, name),
        })),
      );
      const answers: Related[][] = requests.map(() => []);
      for (const [b, { positions }] of branches.entries()) {
        for (const [j, i] of positions.entries()) answers[i] = results[b]?.[j] ?? [];
      }
      return answers;
    },
    {
      batch: batching,
      cache: batching,
      cacheKeyFn: ({ name, key, field }) => `${name}\u0000${field ?? ''}\u0000${key}`,
    },
  );
  // The relations that relation fields read, with the properties each field's selection needs.
  const relationsOf = (fields: readonly { name: RelationName; field: string }[]) =>
    fields.map(({ name, field }) => ({
      name,
      keep: keep(targetLabel(name), field),
      keepEdge: keepEdgeFor(projection, name),
    }));
  // Relations read along with their parent (a lookup or a page), left for the relation fields' resolvers.
  const primeRelated = (
    parent: string,
    fields: readonly { name: RelationName; field: string }[],
    items: Related[][],
  ) => {
    for (const [i, { name, field }] of fields.entries()) related.prime({ name, key: parent, field }, items[i] ?? []);
  };
  const withRelated = new Map<string, DataLoader<string, GraphNode | null>>();
  const loaders: Loaders = {
    related: (name, field) => ({ load: (key) => related.load({ name, key, field }) }),
    async nodeWithRelated(label, key, fields) {
      if (!batching || fields.length === 0) return loaders.node(label).load(key);
      const id = `${label}\u0000${fields
        .map(({ field }) => field)
        .sort()
        .join('\u0000')}`;
      let loader = withRelated.get(id);
      if (!loader) {
        loader = new DataLoader(async (keys) => {
          const found = await readNodesWithRelated(graph, label, keys, keep(label), relationsOf(fields));
          for (const [k, item] of found.entries()) {
            if (!item) continue;
            loaders.node(label).prime(keys[k] ?? '', item.node);
            primeRelated(String(item.node[NODE_KEYS[label]]), fields, item.related);
          }
          return found.map((item) => item?.node ?? null);
        }, loaderOptions);
        withRelated.set(id, loader);
      }
      return loader.load(key);
    },
    node(label) {
      let loader = nodes.get(label);
      if (!loader) {
        loader = new DataLoader((keys) => readNodes(graph, label, keys, keep(label)), loaderOptions);
        nodes.set(label, loader);
      }
      return loader;
    },
    async page(label, filter, skip, limit, fields = []) {
      const prefetched = batching ? fields : [];
      const page = await readPage(graph, label, filter, skip, limit, keep(label), relationsOf(prefetched));
      for (const [n, node] of page.nodes.entries()) {
        primeRelated(String(node[NODE_KEYS[label]]), prefetched, page.related[n] ?? []);
      }
      return page;
    },
    tactics(domain, includeDeprecated) {
      // Coverage finds tactics by short name as well as by id.
      const kept = keep('Tactic');
      return readTactics(graph, domain, includeDeprecated, kept && [...new Set([...kept, 'shortname'])]);
    },
    tactic: (key, domain) => readTactic(graph, key, domain),
    datasets: () => readDatasets(graph),
    releases() {
      releases ??= readReleases(graph);
      return releases;
    },
    releaseCatalogue: (name) => readReleaseCatalogue(graph, name),
    evidence() {
      evidence ??= readEvidence(graph);
      return evidence;
    },
    inventory() {
      inventory ??= readInventory(graph);
      return inventory;
    },
    claims() {
      claims ??= readClaims(graph);
      return claims;
    },
    claimedTechniques(names) {
      const key = JSON.stringify([...names].sort());
      let found = claimed.get(key);
      if (!found) {
        found = readClaimedTechniques(graph, names);
        claimed.set(key, found);
      }
      return found;
    },
    ruleLogSources(scope) {
      const key = JSON.stringify([
        scope.sigmaSources,
        scope.sigmaFolders,
        scope.sigmaMinLevelRank,
        scope.sigmaStatuses,
        scope.sigmaProducts,
      ]);
      let rules = ruleLogSources.get(key);
      if (!rules) {
        rules = readRuleLogSources(graph, scope);
        ruleLogSources.set(key, rules);
      }
      return rules;
    },
    d3fendTactics() {
      if (!batching) return readD3fendTactics(graph);
      d3fendTactics ??= readD3fendTactics(graph);
      return d3fendTactics;
    },
    d3fendTechniquePage: (filter, skip, limit) =>
      readD3fendTechniquePage(graph, filter, skip, limit, keep('D3fendTechnique')),
    artifactPage: (filter, skip, limit) => readArtifactPage(graph, filter, skip, limit, keep('Artifact')),
    // Once per scope and request: a page asking for the matrix layout and its scores under the same filter reads once.
    coverageRows: (scope, perTechnique = true) => {
      const key = JSON.stringify([scope, perTechnique]);
      let rows = coverageRows.get(key);
      if (!rows) {
        rows = readCoverageRows(graph, scope, perTechnique);
        if (batching) coverageRows.set(key, rows);
      }
      return rows;
    },
    search: (text, labels, first) => readSearch(graph, text, labels, first, keepForAll(projection, SEARCH_LABELS)),
    report: new DataLoader((ids) => readReportData(graph, ids), loaderOptions),
    sigmaPage: (filter, skip, limit) => readSigmaPage(graph, filter, skip, limit, keep('SigmaRule')),
    atomicPage: (filter, skip, limit) => readAtomicPage(graph, filter, skip, limit, keep('AtomicTest')),
  };
  return {
    graph,
    loaders,
    writable: options.writable === true,
    projection,
    answer: { cacheable: false, operation: null },
  };
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

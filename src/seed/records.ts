// The records that parsers produce and writers consume: the contract between a source and the graph.
import type { NodeLabel, RelType } from '../graph/model.js';

/** A property value the graph can store: scalars, lists of scalars, or null (which removes the property). */
export type PropValue = string | number | boolean | null | string[] | number[];

/** One node to upsert, keyed by `key` (the label's unique key property) . */
export interface NodeRecord {
  label: NodeLabel;
  /** Value of the label's key property (for ATT&CK objects, the STIX id). */
  key: string;
  /** Every property the source owns; `null` clears a property a previous version had. */
  props: Record<string, PropValue>;
}

/** One edge to upsert between two nodes given by label and key. */
export interface EdgeRecord {
  type: RelType;
  from: { label: NodeLabel; key: string };
  to: { label: NodeLabel; key: string };
  /** Identifies the edge among edges of the same type between the same nodes (a STIX relationship id, or a derived key). */
  key: string;
  props: Record<string, PropValue>;
}

/** A problem found while parsing that does not stop the load. */
export interface ParseWarning {
  file: string;
  /** The object id or position the warning is about. */
  where: string;
  reason: string;
  /** True when the whole file was left out (rule folders skip bad files; `--strict` makes that an error). */
  skipped?: boolean;
}

/** Everything one source file contributes to the graph. */
export interface SourceRecords {
  /** Which slice of the graph this file replaces, e.g. `attack:enterprise-attack`. */
  scope: string;
  nodes: NodeRecord[];
  edges: EdgeRecord[];
  warnings: ParseWarning[];
  /** Facts recorded on the Dataset node. */
  dataset: {
    source: string;
    name: string;
    version: string | null;
    location: string;
    modified: string | null;
    sha256: string;
    /** True when `version` is only a guess from the file name (`vNN.N`), which a release the user names overrides. */
    versionFromFileName?: boolean;
    /** Further facts of the source (e.g. every ATT&CK id D3FEND names). */
    extra?: Record<string, PropValue>;
  };
}

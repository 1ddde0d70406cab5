// Pure: the catalogue of one ATT&CK release (techniques and tactics as they stood), kept beside the current graph.
import { createHash } from 'node:crypto';
import { SourceError } from '../../errors.js';
import type { NodeRecord, SourceRecords } from '../records.js';

/** The Dataset source of release catalogues, and the prefix of their scopes. */
export const RELEASE_SOURCE = 'attack-release';

/** The scope (and Dataset name) of a release: `attack-release:enterprise-attack@18.1`. */
export const releaseScope = (domain: string, version: string) => `${RELEASE_SOURCE}:${domain}@${version}`;

/** A release version as users write it: digits and dots (`18.1`, `17`). */
export const RELEASE_VERSION = /^\d+(\.\d+)*$/;

/**
 * A location with an optional release version in front (`18.1=enterprise-attack.json`): mitre/cti's bundles carry
 * no collection object, so the user names the release. Only a version-shaped prefix counts, so that paths with `=`
 * stay paths.
 */
export function versionedLocation(value: string): { version: string | null; location: string } {
  const at = value.indexOf('=');
  const prefix = value.slice(0, at);
  return at > 0 && RELEASE_VERSION.test(prefix)
    ? { version: prefix, location: value.slice(at + 1) }
    : { version: null, location: value };
}

/**
 * The catalogue of the release that `bundle` (a parsed ATT&CK bundle) is: one TechniqueVersion per technique (id,
 * name, tactics in matrix order, platforms, a fingerprint of the description, revoked and deprecated marks, the ids
 * that replace a revoked one, the parent's id) and one TacticVersion per tactic, all under the release's own scope,
 * so that several releases live side by side and seeding one never touches another. Throws SourceError when the
 * release has no version (neither the bundle nor the user names it).
 */
export function releaseRecords(bundle: SourceRecords, version: string | null): SourceRecords {
  const domain = bundle.scope.slice(bundle.scope.indexOf(':') + 1);
  const release = version ?? bundle.dataset.version;
  if (!release) {
    throw new SourceError(
      bundle.dataset.location,
      'top level',
      'the bundle names no ATT&CK release (no x-mitre-collection object, no vNN.N in the file name): ' +
        `name it in front of the location, e.g. 18.1=${bundle.dataset.location}`,
    );
  }
  if (!RELEASE_VERSION.test(release)) {
    throw new SourceError(bundle.dataset.location, 'top level', `release version "${release}" is not like 18.1`);
  }
  const scope = releaseScope(domain, release);
  const tactics = bundle.nodes.filter((n) => n.label === 'Tactic');
  const orderOf = new Map(tactics.map((t) => [String(t.props.shortname), Number(t.props.order ?? 1000)]));
  const techniques = bundle.nodes.filter((n) => n.label === 'Technique');
  const idOf = new Map(techniques.map((t) => [t.key, String(t.props.id)]));
  const replacements = new Map<string, string[]>();
  const parentOf = new Map<string, string>();
  for (const edge of bundle.edges) {
    const target = idOf.get(edge.to.key);
    if (target === undefined || !idOf.has(edge.from.key)) continue;
    if (edge.type === 'REVOKED_BY') {
      replacements.set(edge.from.key, [...(replacements.get(edge.from.key) ?? []), target].sort());
    } else if (edge.type === 'SUBTECHNIQUE_OF') {
      parentOf.set(edge.from.key, target);
    }
  }
  const common = (node: NodeRecord) => ({
    key: `${scope}|${node.key}`,
    release: scope,
    stixId: node.key,
    id: String(node.props.id),
    name: String(node.props.name),
  });
  const nodes: NodeRecord[] = [
    ...tactics.map((t) => ({
      label: 'TacticVersion' as const,
      key: `${scope}|${t.key}`,
      props: { ...common(t), shortname: t.props.shortname ?? null, order: t.props.order ?? null },
    })),
    ...techniques.map((t) => {
      const shortnames = Array.isArray(t.props.tacticShortnames) ? (t.props.tacticShortnames as string[]) : [];
      const description = typeof t.props.description === 'string' ? t.props.description : '';
      return {
        label: 'TechniqueVersion' as const,
        key: `${scope}|${t.key}`,
        props: {
          ...common(t),
          tactics: [...new Set(shortnames)].sort(
            (a, b) => (orderOf.get(a) ?? 1000) - (orderOf.get(b) ?? 1000) || a.localeCompare(b),
          ),
          platforms: Array.isArray(t.props.platforms) ? [...(t.props.platforms as string[])].sort() : [],
          descriptionHash: createHash('sha256').update(description).digest('hex').slice(0, 16),
          revoked: t.props.revoked === true,
          deprecated: t.props.deprecated === true,
          revokedBy: replacements.get(t.key) ?? [],
          parentId: parentOf.get(t.key) ?? null,
          isSubtechnique: t.props.isSubtechnique === true,
        },
      };
    }),
  ];
  return {
    scope,
    nodes,
    edges: [],
    warnings: [],
    dataset: {
      source: RELEASE_SOURCE,
      name: scope,
      version: release,
      location: bundle.dataset.location,
      modified: bundle.dataset.modified,
      sha256: bundle.dataset.sha256,
      extra: { domain },
    },
  };
}

// Pure parser: Atomic Red Team's atomics/T*/T*.yaml files -> AtomicTest records; bad files are skipped.
import { createHash } from 'node:crypto';
import { SourceError } from '../../errors.js';
import type { SourceFile } from '../folder.js';
import type { NodeRecord, ParseWarning, SourceRecords } from '../records.js';
import { loadYamlFile } from '../yaml.js';

/** The scope (and Dataset name) of Atomic Red Team data in the graph. */
export const ATOMIC_SCOPE = 'atomic';

/** Which files of a folder are technique files: `T1003.001/T1003.001.yaml`, at any depth (`atomics/` or below). */
export const ATOMIC_FILE = /^T\d{4}(\.\d{3})?\.ya?ml$/;

/**
 * Parses the technique files of an Atomic Red Team folder. A file that is not YAML, has no `attack_technique` or
 * `atomic_tests`, or holds a test without a guid or name is skipped with a warning naming it and the reason; a
 * guid seen twice keeps its first test.
 */
export function parseAtomics(location: string, files: SourceFile[]): SourceRecords {
  const warnings: ParseWarning[] = [];
  const nodes: NodeRecord[] = [];
  const guids = new Map<string, string>();
  for (const file of files) {
    try {
      const tests = fileTests(file);
      const inFile = new Set<string>();
      for (const test of tests) {
        const earlier = guids.get(test.key) ?? (inFile.has(test.key) ? file.path : undefined);
        if (earlier) {
          throw new SourceError(
            file.path,
            `test "${test.props.name}"`,
            `guid ${test.key} is already used in ${earlier}`,
          );
        }
        inFile.add(test.key);
      }
      // All tests of the file, or none: nothing is added before every test passed.
      for (const test of tests) guids.set(test.key, file.path);
      nodes.push(...tests);
    } catch (error) {
      if (!(error instanceof SourceError)) throw error;
      warnings.push({ file: `${location}/${file.path}`, where: error.position, reason: error.reason, skipped: true });
    }
  }
  return {
    scope: ATOMIC_SCOPE,
    nodes,
    edges: [],
    warnings,
    dataset: {
      source: 'atomic',
      name: ATOMIC_SCOPE,
      version: null,
      location,
      modified: null,
      sha256: createHash('sha256')
        .update(files.map((f) => `${f.path}\n${f.text}`).join('\n'))
        .digest('hex'),
      extra: { files: files.length, skipped: warnings.length },
    },
  };
}

/** The tests of one technique file, all or none: a bad test makes the whole file skipped. */
function fileTests(file: SourceFile): NodeRecord[] {
  const [doc] = loadYamlFile(file);
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new SourceError(file.path, 'whole file', 'not an Atomic Red Team technique file: expected a mapping');
  }
  const { attack_technique: technique, atomic_tests: tests } = doc as Record<string, unknown>;
  if (typeof technique !== 'string' || !/^T\d{4}(\.\d{3})?$/i.test(technique.trim())) {
    throw new SourceError(
      file.path,
      'attack_technique',
      `expected an ATT&CK technique id, got ${JSON.stringify(technique)}`,
    );
  }
  if (!Array.isArray(tests)) throw new SourceError(file.path, 'atomic_tests', 'missing or not a list');
  return tests.map((test: Record<string, unknown>, index: number) => {
    const where = `atomic_tests[${index}]`;
    if (typeof test !== 'object' || test === null) throw new SourceError(file.path, where, 'not a mapping');
    const guid = typeof test.auto_generated_guid === 'string' ? test.auto_generated_guid.trim() : '';
    const name = typeof test.name === 'string' ? test.name.trim() : '';
    if (!guid) throw new SourceError(file.path, where, 'no auto_generated_guid');
    if (!name) throw new SourceError(file.path, where, 'no name');
    const executor = (typeof test.executor === 'object' && test.executor !== null ? test.executor : {}) as Record<
      string,
      unknown
    >;
    return {
      label: 'AtomicTest',
      key: guid,
      props: {
        guid,
        name,
        number: index + 1,
        techniqueId: technique.trim().toUpperCase(),
        path: file.path,
        description: typeof test.description === 'string' ? test.description.trim() : null,
        platforms: Array.isArray(test.supported_platforms) ? test.supported_platforms.map(String) : [],
        executor: typeof executor.name === 'string' ? executor.name : null,
        elevationRequired: executor.elevation_required === true || executor.elevation_required === 'true',
        command: typeof executor.command === 'string' ? executor.command : null,
        inputArguments: JSON.stringify(test.input_arguments ?? {}),
      },
    } satisfies NodeRecord;
  });
}

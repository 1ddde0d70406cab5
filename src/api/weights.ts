// The score weights in force: the defaults, changed by SCORE_WEIGHTS_FILE (read once) and by a request's argument.
import { readFileSync } from 'node:fs';
import yaml from 'js-yaml';
import { config } from '../config.js';
import { BadUserInputError } from '../errors.js';
import { DEFAULT_WEIGHTS, mergeWeights, type ScoreWeights, WeightsError } from '../report/score.js';
import type { ScoreWeightsInput } from './generated/graphql.js';

/** The weights of a YAML file over the defaults; throws an Error naming the file, the line or key, and the reason. */
export function loadWeightsFile(file: string): ScoreWeights {
  let doc: unknown;
  try {
    doc = yaml.load(readFileSync(file, 'utf8'), { filename: file, schema: yaml.JSON_SCHEMA });
  } catch (error) {
    const mark = (error as { mark?: { line: number; column: number } }).mark;
    const where = mark ? `line ${mark.line + 1}, column ${mark.column + 1}: ` : '';
    throw new Error(`${file}: ${where}${(error as { reason?: string }).reason ?? (error as Error).message}`);
  }
  try {
    return mergeWeights(DEFAULT_WEIGHTS, doc ?? {}, 'weights');
  } catch (error) {
    if (error instanceof WeightsError) throw new Error(`${file}: ${error.message}`);
    throw error;
  }
}

let serverWeights: ScoreWeights | null = null;

/** The server's weights: SCORE_WEIGHTS_FILE's when set (read on first use; `serve` reads it at start), else the defaults. */
export function weightsInForce(): ScoreWeights {
  serverWeights ??= config.api.scoreWeightsFile ? loadWeightsFile(config.api.scoreWeightsFile) : DEFAULT_WEIGHTS;
  return serverWeights;
}

/** The server's weights changed by a request's `weights` argument; a bad value is the user's error, named. */
export function requestWeights(input: ScoreWeightsInput | null | undefined): ScoreWeights {
  const base = weightsInForce();
  if (!input) return base;
  const named = (list: { name: string; weight: number }[] | null | undefined) =>
    list ? Object.fromEntries(list.map((w) => [w.name, w.weight])) : undefined;
  try {
    return mergeWeights(
      base,
      {
        points: {
          sigma: input.sigmaPoints ?? undefined,
          countermeasures: input.countermeasurePoints ?? undefined,
          atomic: input.atomicPoints ?? undefined,
        },
        sigma: {
          saturation: input.sigmaSaturation ?? undefined,
          status: named(input.sigmaStatus),
          level: named(input.sigmaLevel),
          collapse: input.collapse ?? undefined,
        },
        countermeasures: { tactics: named(input.d3fendTactics) },
        atomic: { saturation: input.atomicSaturation ?? undefined },
      },
      'weights',
    );
  } catch (error) {
    if (error instanceof WeightsError) {
      throw new BadUserInputError(`"weights": ${error.message.replace(/^weights\./, '')}`, 'weights');
    }
    throw error;
  }
}

// Resolvers of quality-weighted scores: a technique's score from its rules, countermeasures and tests; the weights.
import { scoreTechnique } from '../../report/score.js';
import type { QueryResolvers, Resolvers } from '../generated/graphql.js';
import { requestWeights, weightsInForce } from '../weights.js';
import { countermeasuresOf } from './d3fend.js';
import { loadRelated, strings } from './shared.js';

const text = (value: unknown) => (typeof value === 'string' ? value : '');
const named = (weights: Record<string, number>) => Object.entries(weights).map(([name, weight]) => ({ name, weight }));

export const scoreResolvers: Resolvers = {
  Technique: {
    score: async (technique, args, ctx) => {
      const weights = requestWeights(args.weights);
      // Asked together: one relation statement for the three (with the other relation fields of this level).
      const [rules, countermeasures, tests] = await Promise.all([
        loadRelated('techniqueSigmaRules', technique, ctx),
        countermeasuresOf(technique, {}, ctx),
        loadRelated('techniqueAtomicTests', technique, ctx),
      ]);
      return scoreTechnique(
        {
          sigmaRules: rules.map(({ node }) => ({
            id: text(node.id),
            title: text(node.title),
            status: text(node.status),
            level: text(node.level),
            relatedIds: strings(node.relatedIds),
            relatedTypes: strings(node.relatedTypes),
          })),
          countermeasures: countermeasures.map(({ node }) => ({
            id: text(node.id),
            name: text(node.name),
            tactic: text(node.tactic),
          })),
          atomicTests: tests.length,
        },
        weights,
      );
    },
  },
};

export const scoreQueryResolvers: QueryResolvers = {
  scoreWeights: () => {
    const w = weightsInForce();
    return {
      sigmaPoints: w.points.sigma,
      countermeasurePoints: w.points.countermeasures,
      atomicPoints: w.points.atomic,
      sigmaSaturation: w.sigma.saturation,
      atomicSaturation: w.atomic.saturation,
      sigmaStatus: named(w.sigma.status),
      sigmaLevel: named(w.sigma.level),
      d3fendTactics: named(w.countermeasures.tactics),
      collapse: w.sigma.collapse,
    };
  },
};

// All resolvers, merged by type: the public surface of the resolver folder.
import type { Resolvers } from '../generated/graphql.js';
import { attackResolvers } from './attack.js';
import { claimMutationResolvers, claimQueryResolvers, claimResolvers } from './claims.js';
import { commonResolvers } from './common.js';
import { coverageQueryResolvers, coverageResolvers } from './coverage.js';
import { d3fendResolvers } from './d3fend.js';
import { detectionQueryResolvers, detectionResolvers } from './detection.js';
import { logSourceMutationResolvers, logSourceQueryResolvers, logSourceResolvers } from './logsources.js';
import { queryResolvers } from './query.js';
import { releaseQueryResolvers, releaseResolvers } from './releases.js';
import { scoreQueryResolvers, scoreResolvers } from './score.js';
import { searchQueryResolvers, searchResolvers } from './search.js';

export const resolvers: Resolvers = {
  ...commonResolvers,
  ...attackResolvers,
  ...d3fendResolvers,
  ...detectionResolvers,
  ...coverageResolvers,
  ...searchResolvers,
  ...releaseResolvers,
  ...logSourceResolvers,
  ...claimResolvers,
  SigmaRule: { ...detectionResolvers.SigmaRule, ...logSourceResolvers.SigmaRule },
  Technique: {
    ...attackResolvers.Technique,
    ...d3fendResolvers.Technique,
    ...detectionResolvers.Technique,
    ...coverageResolvers.Technique,
    ...scoreResolvers.Technique,
    ...claimResolvers.Technique,
  },
  Query: {
    ...queryResolvers,
    ...detectionQueryResolvers,
    ...coverageQueryResolvers,
    ...searchQueryResolvers,
    ...releaseQueryResolvers,
    ...scoreQueryResolvers,
    ...logSourceQueryResolvers,
    ...claimQueryResolvers,
  },
  Mutation: { ...logSourceMutationResolvers, ...claimMutationResolvers },
};

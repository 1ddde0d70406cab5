// All resolvers, merged by type: the public surface of the resolver folder.
import type { Resolvers } from '../generated/graphql.js';
import { attackResolvers } from './attack.js';
import { commonResolvers } from './common.js';
import { coverageQueryResolvers, coverageResolvers } from './coverage.js';
import { d3fendResolvers } from './d3fend.js';
import { detectionQueryResolvers, detectionResolvers } from './detection.js';
import { queryResolvers } from './query.js';
import { searchQueryResolvers, searchResolvers } from './search.js';

export const resolvers: Resolvers = {
  ...commonResolvers,
  ...attackResolvers,
  ...d3fendResolvers,
  ...detectionResolvers,
  ...coverageResolvers,
  ...searchResolvers,
  Technique: {
    ...attackResolvers.Technique,
    ...d3fendResolvers.Technique,
    ...detectionResolvers.Technique,
    ...coverageResolvers.Technique,
  },
  Query: { ...queryResolvers, ...detectionQueryResolvers, ...coverageQueryResolvers, ...searchQueryResolvers },
};

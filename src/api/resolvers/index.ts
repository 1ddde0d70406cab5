// All resolvers, merged by type: the public surface of the resolver folder.
import type { Resolvers } from '../generated/graphql.js';
import { attackResolvers } from './attack.js';
import { commonResolvers } from './common.js';
import { d3fendResolvers } from './d3fend.js';
import { queryResolvers } from './query.js';

export const resolvers: Resolvers = {
  ...commonResolvers,
  ...attackResolvers,
  ...d3fendResolvers,
  Technique: { ...attackResolvers.Technique, ...d3fendResolvers.Technique },
  Query: queryResolvers,
};

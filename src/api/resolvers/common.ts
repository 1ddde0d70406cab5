// Resolvers of the shared types: datasets and their counts.
import type { Resolvers } from '../generated/graphql.js';

export const commonResolvers: Resolvers = {
  Dataset: {
    source: (row) => String(row.source ?? ''),
    location: (row) => String(row.location ?? ''),
    loadedAt: (row) => String(row.loadedAt ?? ''),
    counts: (row) => {
      const counts = row.counts ? (JSON.parse(row.counts) as Record<string, number>) : {};
      return Object.entries(counts).map(([key, value]) => ({ key, value }));
    },
  },
};

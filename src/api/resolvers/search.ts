// Resolvers of search: the query, its hits and the union of what a hit can be.
import { BadUserInputError } from '../../errors.js';
import type { QueryResolvers, Resolvers, SearchType } from '../generated/graphql.js';

const LABEL_OF: Record<SearchType, string> = {
  TECHNIQUE: 'Technique',
  GROUP: 'Group',
  SOFTWARE: 'Software',
  MITIGATION: 'Mitigation',
  CAMPAIGN: 'Campaign',
  D3FEND_TECHNIQUE: 'D3fendTechnique',
  ARTIFACT: 'Artifact',
  SIGMA_RULE: 'SigmaRule',
};
const TYPE_OF = new Map(Object.entries(LABEL_OF).map(([type, label]) => [label, type as SearchType]));
const MAX_SEARCH_RESULTS = 100;
const MAX_SEARCH_TEXT = 200;

export const searchQueryResolvers: QueryResolvers = {
  search: (_root, args, ctx) => {
    const first = args.first ?? 20;
    if (!Number.isInteger(first) || first < 1 || first > MAX_SEARCH_RESULTS) {
      throw new BadUserInputError(`"first" must be an integer from 1 to ${MAX_SEARCH_RESULTS}, got ${first}`, 'first');
    }
    if (args.text.length > MAX_SEARCH_TEXT) {
      throw new BadUserInputError(
        `"text" must be at most ${MAX_SEARCH_TEXT} characters, got ${args.text.length}`,
        'text',
      );
    }
    const labels = args.types?.length ? args.types.map((t) => LABEL_OF[t]) : null;
    return ctx.loaders.search(args.text, labels, first);
  },
};

export const searchResolvers: Resolvers = {
  SearchHit: {
    type: (hit) => TYPE_OF.get(hit.label) as SearchType,
    // Node labels are the GraphQL type names: __typename tells the union which type a hit is.
    node: (hit) => ({ ...hit.node, __typename: hit.label }) as never,
  },
};

import type { Params } from '../params';
import { ecsError } from '../errors';

/**
 * The two paging styles of the Describe APIs. PageNumber/PageSize counts over the current matches.
 * NextToken/MaxResults continues after the last instance returned, by creation order, so that new
 * or released instances between two calls neither repeat nor skip one.
 */
export function pageOf<T>(p: Params, all: T[], matches: (item: T) => boolean, limits: { defaultSize: number; maxSize: number; clampMaxResults?: { min: number; max: number } }) {
  const tokenMode = p.has('NextToken') || p.has('MaxResults');
  if (tokenMode) {
    const clamp = limits.clampMaxResults;
    // DescribeInstances clamps MaxResults into 10..100 rather than refusing it (its API reference).
    const maxResults = clamp
      ? Math.min(clamp.max, Math.max(clamp.min, p.int('MaxResults', { min: -(2 ** 31), max: 2 ** 31 - 1 }, limits.defaultSize)))
      : p.int('MaxResults', { min: 1, max: limits.maxSize }, limits.defaultSize);
    const after = decodeToken(p.str('NextToken'));
    const indexed = all.map((item, index) => ({ item, index })).filter(({ item, index }) => index > after && matches(item));
    const total = all.filter(matches).length;
    const slice = indexed.slice(0, maxResults);
    const more = indexed.length > maxResults;
    return {
      items: slice.map((x) => x.item),
      meta: { TotalCount: total, NextToken: more ? encodeToken(slice[slice.length - 1].index) : '' },
    };
  }
  const pageSize = p.int('PageSize', { min: 1, max: limits.maxSize }, limits.defaultSize);
  const pageNumber = p.int('PageNumber', { min: 1, max: 1_000_000 }, 1);
  const matching = all.filter(matches);
  return {
    items: matching.slice((pageNumber - 1) * pageSize, pageNumber * pageSize),
    meta: { TotalCount: matching.length, PageNumber: pageNumber, PageSize: pageSize },
  };
}

const encodeToken = (index: number) => Buffer.from(`ecs-local:${index}`).toString('base64url');

function decodeToken(token: string | undefined): number {
  if (token === undefined) return -1;
  const m = /^ecs-local:(\d+)$/.exec(Buffer.from(token, 'base64url').toString());
  if (!m) throw ecsError('InvalidParameter', 'The specified NextToken is not valid.');
  return Number(m[1]);
}

import { z } from 'zod';
import { LaunchSpecSchema, ProfileNameSchema, TagSchema } from './profile';
import { parseIsoDuration } from './time';

const ReleaseAtField = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 time such as 2030-01-01T18:00:00Z' });
const ReleaseAfterField = z
  .string()
  .max(32)
  .refine((d) => parseIsoDuration(d) !== undefined, 'must be an ISO 8601 duration such as PT9H (weeks, days, hours, minutes, seconds)');

/** Body of `POST /batches/{id}/release-at`: the instances' new automatic release time. */
export const ReleaseAtRequestSchema = z
  .strictObject({ releaseAt: ReleaseAtField.optional(), releaseAfter: ReleaseAfterField.optional() })
  .superRefine((r, ctx) => {
    if ((r.releaseAt === undefined) === (r.releaseAfter === undefined)) ctx.addIssue({ code: 'custom', path: ['releaseAt'], message: 'give exactly one of "releaseAt" or "releaseAfter"' });
  });

/** Body of `POST /batches`. Unknown fields are refused so a typo never silently changes a fleet. */
export const BatchRequestSchema = z
  .strictObject({
    profile: ProfileNameSchema.optional(),
    spec: LaunchSpecSchema.optional(),
    amount: z.int('must be a whole number').min(1, 'must be at least 1').max(1000, 'must be at most 1000'),
    name: z
      .string()
      .min(2)
      .max(128)
      .regex(/^[A-Za-z\u4e00-\u9fa5][\w.:\-\[\],\u4e00-\u9fa5]*$/, 'must start with a letter; letters, digits . : _ - and [begin,bits] only')
      .optional(),
    instanceType: z.string().min(1).max(64).optional(),
    zoneId: z.string().min(1).max(64).optional(),
    releaseAt: ReleaseAtField.optional(),
    releaseAfter: ReleaseAfterField.optional(),
    tags: z.array(TagSchema).max(20).optional(),
    dryRun: z.boolean().optional(),
    callbackUrl: z
      .url({ protocol: /^https?$/, message: 'must be an http(s) URL' })
      .max(2048)
      .optional(),
    deadlineSeconds: z.int().min(60).max(24 * 3600).optional(),
    replaceLost: z.boolean().optional(),
  })
  .superRefine((r, ctx) => {
    if ((r.profile === undefined) === (r.spec === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['profile'], message: 'give exactly one of "profile" or "spec"' });
    }
    if (r.releaseAt !== undefined && r.releaseAfter !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['releaseAfter'], message: 'give at most one of "releaseAt" or "releaseAfter"' });
    }
  });
export type BatchRequest = z.infer<typeof BatchRequestSchema>;

import { z } from 'zod';

export const availability = z.object({
  from: z.string(),
  to: z.string(),
  villages: z.array(
    z.object({
      code: z.string(),
      name: z.string(),
      kinds: z.array(
        z.object({
          kind: z.enum(['speaker', 'camera', 'water_meter']),
          /** Devices watched (ever online) in the period. */
          devices: z.number(),
          /** Share of the watched time they were online, 0–1. */
          availability: z.number(),
        }),
      ),
    }),
  ),
});
export type Availability = z.infer<typeof availability>;

// Every helper the VM implements, by kernel id.
import { CONTROL_HELPERS } from './control';
import { MAP_HELPERS } from './maps';
import { PACKET_HELPERS } from './packet';
import { STREAM_HELPERS } from './streams';
import { SYSTEM_HELPERS } from './system';
import type { Helper } from './types';

export type { Helper } from './types';

export const HELPERS: ReadonlyMap<number, Helper> = new Map(
  [...MAP_HELPERS, ...SYSTEM_HELPERS, ...PACKET_HELPERS, ...STREAM_HELPERS, ...CONTROL_HELPERS].map((h) => [h.id, h]),
);

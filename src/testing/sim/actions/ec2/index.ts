// Every EC2 action the simulator implements, one module per resource family.
import type { ActionDef } from '../common.ts';
import { ALLOWED_IMAGES_ACTIONS } from './allowed-images.ts';
import { EC2_IMAGE_METADATA_ACTIONS } from './image-metadata.ts';
import { IMAGE_ACTIONS } from './images.ts';
import { INSTANCE_ACTIONS } from './instances.ts';
import { EC2_LAUNCH_ACTIONS } from './launch.ts';
import { LAUNCH_TEMPLATE_ACTIONS } from './launch-templates.ts';
import { RECYCLE_BIN_ACTIONS } from './recycle-bin.ts';
import { REGION_ACTIONS } from './regions.ts';
import { SNAPSHOT_ACTIONS } from './snapshots.ts';

export const EC2_ACTIONS: Record<string, ActionDef> = {
  ...IMAGE_ACTIONS,
  ...RECYCLE_BIN_ACTIONS,
  ...SNAPSHOT_ACTIONS,
  ...INSTANCE_ACTIONS,
  ...EC2_IMAGE_METADATA_ACTIONS,
  ...EC2_LAUNCH_ACTIONS,
  ...LAUNCH_TEMPLATE_ACTIONS,
  ...REGION_ACTIONS,
  ...ALLOWED_IMAGES_ACTIONS,
};

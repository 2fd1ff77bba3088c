// Every action the simulator answers, with the IAM service prefix it belongs to: what tests compare
// against the IAM actions shareguard declares (the remediation and kind meta-checks).
import { AUTOSCALING_ACTIONS } from './actions/autoscaling.ts';
import { EC2_ACTIONS } from './actions/ec2/index.ts';
import { IMAGEBUILDER_ACTIONS } from './actions/imagebuilder.ts';
import { IAM_ACTIONS } from './actions/iam.ts';
import { ORGANIZATIONS_ACTIONS } from './actions/organizations.ts';
import { RDS_ACTIONS } from './actions/rds.ts';
import { RDS_USE_ACTIONS } from './actions/rds-restore.ts';
import { STS_ACTIONS } from './actions/sts.ts';

/** Simulator action name → IAM service prefix (`ec2`, `rds`, `iam`, `organizations`, `sts`, `autoscaling`, `imagebuilder`). */
export const ACTION_SERVICE: Readonly<Record<string, string>> = Object.fromEntries(
  (
    [
      ['ec2', EC2_ACTIONS],
      ['rds', { ...RDS_ACTIONS, ...RDS_USE_ACTIONS }],
      ['iam', IAM_ACTIONS],
      ['organizations', ORGANIZATIONS_ACTIONS],
      ['sts', STS_ACTIONS],
      ['autoscaling', AUTOSCALING_ACTIONS],
      ['imagebuilder', IMAGEBUILDER_ACTIONS],
    ] as const
  ).flatMap(([svc, map]) => Object.keys(map).map((name) => [name, svc])),
);

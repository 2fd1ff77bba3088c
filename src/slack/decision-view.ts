/**
 * What the decision buttons need to know from the config: the remediation context of a finding (what
 * Remove would run) and whether a click opens the reason modal. With a modal the modal is the
 * confirmation (the plan, what uses the resource, the reason), so the button has no Slack confirm
 * dialog before it; without one the confirm dialog stays (issue 23 item 2, docs/slack.md).
 */
import type { Config } from '../config/schema.ts';
import { needsSecondApprover } from '../core/two-person.ts';
import { remediationView } from '../remediate/registry.ts';
import type { ModalAction, RemediationView } from './messages/finding-buttons.ts';

/** Same rule as `asksForReason` (listeners/views/reason.ts): a reason asked for, or a two-person rule. */
export function modalFollowsClick(config: Config, action: ModalAction): boolean {
  return config.slack.requireReason || needsSecondApprover(config, action);
}

export function decisionView(config: Config): RemediationView {
  return Object.assign(remediationView(config), {
    modalFollows: (action: ModalAction) => modalFollowsClick(config, action),
  });
}

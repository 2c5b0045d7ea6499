import { actionLabel, isBadgedAction } from '@auditlog/audit/catalog';
import type { BadgedAction } from '@auditlog/audit/catalog';
import type { Component, JSX } from 'solid-js';
import Activity from 'lucide-solid/icons/activity';
import Eye from 'lucide-solid/icons/eye';
import LogIn from 'lucide-solid/icons/log-in';
import LogOut from 'lucide-solid/icons/log-out';
import Pencil from 'lucide-solid/icons/pencil';
import Plus from 'lucide-solid/icons/plus';
import RefreshCw from 'lucide-solid/icons/refresh-cw';
import Trash2 from 'lucide-solid/icons/trash';
import { Dynamic } from 'solid-js/web';

type Icon = (props: { 'aria-hidden'?: boolean }) => JSX.Element;

/**
 * The icon of each action the catalog badges (a new badged action fails to compile until it has one); every other
 * action gets the neutral badge with its raw name.
 */
const BADGES: Record<BadgedAction, Icon> = {
  create: Plus,
  update: Pencil,
  delete: Trash2,
  login: LogIn,
  logout: LogOut,
  view: Eye,
  sync: RefreshCw,
};

export const ActionBadge: Component<{ action: string }> = (props) => {
  const badged = () => (isBadgedAction(props.action) ? props.action : null);
  const icon = () => {
    const action = badged();
    return action ? BADGES[action] : Activity;
  };
  return (
    <span class={`badge ${badged() ?? 'other'}`} title={props.action}>
      <Dynamic component={icon()} aria-hidden />
      {badged() ? actionLabel(props.action) : props.action.replaceAll('_', ' ')}
    </span>
  );
};

import { actionLabel } from '@auditlog/audit/catalog';
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

/** Actions with a dedicated badge; every other action gets the neutral one with its raw name. */
const BADGES: Record<string, Icon> = {
  create: Plus,
  update: Pencil,
  delete: Trash2,
  login: LogIn,
  logout: LogOut,
  view: Eye,
  sync: RefreshCw,
};

export const ActionBadge: Component<{ action: string }> = (props) => {
  const known = () => props.action in BADGES;
  return (
    <span class={`badge ${known() ? props.action : 'other'}`} title={props.action}>
      <Dynamic component={BADGES[props.action] ?? Activity} aria-hidden />
      {known() ? actionLabel(props.action) : props.action.replaceAll('_', ' ')}
    </span>
  );
};

import { router } from '../../trpc.ts';
import { get } from './get.ts';
import { actors, history } from './history.ts';
import { list } from './list.ts';
import { record } from './record.ts';
import { sealStatus } from './seal-status.ts';

export const auditRouter = router({ list, get, record, sealStatus, history, actors });

import { router } from '../../trpc.ts';
import { get } from './get.ts';
import { list } from './list.ts';
import { record } from './record.ts';

export const auditRouter = router({ list, get, record });

import { PGlite } from '@electric-sql/pglite';
let t=Date.now(); const db = await PGlite.create(); console.log('create mem', Date.now()-t);
t=Date.now(); const r = await db.query('select version()'); console.log(r.rows, Date.now()-t);
t=Date.now(); const dump = await db.dumpDataDir('none'); console.log('dump', dump.size, Date.now()-t);
t=Date.now(); const db2 = await PGlite.create({ loadDataDir: dump }); console.log('load', Date.now()-t);
t=Date.now(); const db3 = await PGlite.create(); console.log('create mem 2', Date.now()-t);

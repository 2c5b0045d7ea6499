import base from '/work/wt-webfit/apps/web/vite.config.ts';
import type { UserConfig } from 'vite';
const cfg = base as UserConfig;
export default {
  ...cfg,
  root: '/work/wt-webfit/apps/web',
  build: { ...cfg.build, outDir: '/tmp/webfit-dist', emptyOutDir: true },
};

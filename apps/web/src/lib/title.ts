/** Each route and state names itself in the document title ("Audit Logs · filtered (page 2 of 54) · Ledgerline"). */
import { createEffect } from 'solid-js';

export const PRODUCT = 'Ledgerline';

export function useTitle(title: () => string): void {
  createEffect(() => {
    document.title = `${title()} · ${PRODUCT}`;
  });
}

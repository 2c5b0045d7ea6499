/** What the database noted about how an entry came to be, in words, in the entry's details. */
import type { Component } from 'solid-js';
import { For, Show } from 'solid-js';

/** What the database noted about how an entry came to be, in words: moves, TRUNCATE, an unreadable context. */
const NOTES: Record<string, Record<string, string>> = {
  moved: {
    out: 'This record moved to another organization. These are its last values here.',
    in: 'This record arrived from another organization.',
  },
  via: { truncate: 'Removed by a TRUNCATE of its table, recorded row by row.' },
  auditContext: {
    malformed_context: 'The write carried an audit context that could not be read, so who acted is unknown.',
    clock_refused: 'A backdated time was asked for and refused: the time shown is the database’s.',
  },
};

export const EntryNotes: Component<{ metadata: Record<string, unknown> | null }> = (props) => {
  const notes = () =>
    Object.entries(NOTES).flatMap(([key, texts]) => {
      const value = props.metadata?.[key];
      const text = typeof value === 'string' ? texts[value] : undefined;
      return text ? [text] : [];
    });
  return (
    <Show when={notes().length > 0}>
      <ul class="entry-notes">
        <For each={notes()}>{(note) => <li>{note}</li>}</For>
      </ul>
    </Show>
  );
};
